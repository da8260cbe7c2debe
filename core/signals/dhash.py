"""imagehash's 64-bit difference hash, for local banks; like pHash, not decisive.

Computed as ``imagehash.dhash`` does (a 9x8 Lanczos thumbnail, each bit set
where a pixel is brighter than its left neighbour), without importing it.
"""

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
    def hash_thumbnail(cls, thumbnail: "Image.Image") -> Signal:
        import numpy as np  # noqa: PLC0415 (the hashing stack loads when hashing)
        from PIL import Image  # noqa: PLC0415

        pixels = np.asarray(thumbnail.resize((9, 8), Image.Resampling.LANCZOS))
        return Signal(cls.name, np.packbits(pixels[:, 1:] > pixels[:, :-1]).tobytes().hex())
