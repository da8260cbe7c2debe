"""imagehash's 64-bit DCT pHash, for local banks.

Not decisive: a different photo of the same scene (a stereo pair) is 4 bits
from the original here, so a pHash match alone only opens a review case.
"""

import imagehash
from PIL import Image

from core.model import Signal
from core.signals.base import ImageHashSignalType, Thresholds

__all__ = ["PHash"]


class PHash(ImageHashSignalType):
    name = "phash"
    thresholds = Thresholds(act=8, review=12)

    @classmethod
    def hash_image(cls, image: Image.Image) -> Signal:
        return Signal(cls.name, str(imagehash.phash(cls.thumbnail(image))))
