"""imagehash's 64-bit difference hash, for local banks; like pHash, not decisive."""

from typing import TYPE_CHECKING

from core.model import Signal
from core.signals.base import ImageHashSignalType, Thresholds

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["DHash"]


class DHash(ImageHashSignalType):
    name = "dhash"
    thresholds = Thresholds(act=8, review=12)

    @classmethod
    def hash_image(cls, image: "Image.Image") -> Signal:
        import imagehash  # noqa: PLC0415 (the hashing stack loads when hashing)

        return Signal(cls.name, str(imagehash.dhash(cls.thumbnail(image))))
