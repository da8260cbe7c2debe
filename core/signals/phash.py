"""imagehash's 64-bit DCT pHash, for local banks.

Not decisive: a different photo of the same scene (a stereo pair) is 4 bits
from the original here, so a pHash match alone only opens a review case.

Computed as ``imagehash.phash`` does (the 32x32 Lanczos thumbnail, the low 8x8
of its two-dimensional DCT-II, each bit above the median), the DCT as two small
matrix products: the same bits without loading scipy (150 ms of every start).
"""

import math
from functools import cache
from typing import TYPE_CHECKING, Any

from core.model import Signal
from core.signals.base import ImageHashSignalType, Thresholds

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["PHash"]

_SIDE, _KEPT = 32, 8


class PHash(ImageHashSignalType):
    name = "phash"
    thresholds = Thresholds(act=8, review=12)

    @classmethod
    def hash_thumbnail(cls, thumbnail: "Image.Image") -> Signal:
        import numpy as np  # noqa: PLC0415 (the hashing stack loads when hashing)
        from PIL import Image  # noqa: PLC0415

        small = thumbnail.resize((_SIDE, _SIDE), Image.Resampling.LANCZOS)
        dct = _dct_rows()
        # Rounded: a flat direction's coefficients are zero in scipy's DCT and
        # rounding noise in a matrix product, which would make up bits.
        low = np.round(dct @ np.asarray(small, dtype=np.float64) @ dct.T, 6)
        return Signal(cls.name, np.packbits(low > np.median(low)).tobytes().hex())


@cache
def _dct_rows() -> Any:
    """The first rows of scipy's unnormalised DCT-II matrix: 2 cos(pi k (2n + 1) / 2N)."""
    import numpy as np  # noqa: PLC0415

    return np.array(
        [[2 * math.cos(math.pi * k * (2 * n + 1) / (2 * _SIDE)) for n in range(_SIDE)]
         for k in range(_KEPT)]
    )  # fmt: skip
