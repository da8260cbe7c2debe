"""imagehash's 64-bit difference hash, for local banks; like pHash, not decisive."""

import imagehash
from PIL import Image

from core.model import Signal
from core.signals.base import ImageHashSignalType, Thresholds

__all__ = ["DHash"]


class DHash(ImageHashSignalType):
    name = "dhash"
    thresholds = Thresholds(act=8, review=12)

    @classmethod
    def hash_image(cls, image: Image.Image) -> Signal:
        return Signal(cls.name, str(imagehash.dhash(cls.thumbnail(image))))
