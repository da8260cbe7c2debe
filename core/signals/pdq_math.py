"""PDQ's arithmetic, as Meta's reference computes it, done only where it is read.

The reference (``pdqhashing.cpp``, which pdqhash and python-threatexchange
run) blurs the whole luma plane with two passes of box filters along each
axis, keeps 64x64 samples of it, takes the low 16x16 of their DCT and sets
each bit where a coefficient is above their median. The blur and the sampling
are linear and separable, so each sample is a fixed weighted sum of the rows
and columns around it (``_taps``, built once per axis length): applying those
weights reads every pixel about once, where the reference filters every pixel
four times for the 4,096 it keeps (and pdqhash first converts to luma in
float64 numpy). The DCT, the quality metric, the median split and the
dihedral variants are the reference's. Tests compare every variant and the
quality with pdqhash on photographs and odd sizes.
"""

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["hashes", "luma"]

_SAMPLES = 64  # the reference's decimated side
_KEPT = 16  # DCT coefficients kept along each axis
_MIN_SIDE = 5  # the reference hashes a smaller image as all zeros, quality 0
_CACHED_UP_TO = 8192  # axis lengths whose taps are kept; a longer one is rare
_ODD = (np.arange(_KEPT) & 1).astype(bool)
_SIGN_I = np.where(_ODD[:, None], 1.0, -1.0)  # - on even rows
_SIGN_J = np.where(_ODD[None, :], 1.0, -1.0)  # - on even columns
_SIGN_IJ = np.where(_ODD[:, None] ^ _ODD[None, :], -1.0, 1.0)  # - where i + j is odd
_DCT = np.array(
    [[math.sqrt(2 / 64) * math.cos(math.pi / 2 / 64 * (i + 1) * (2 * j + 1)) for j in range(64)]
     for i in range(_KEPT)]
)  # fmt: skip


def luma(image: "Image.Image") -> Any:
    """The float32 luma plane PDQ reads (0.299 R + 0.587 G + 0.114 B), made in C."""
    return np.asarray(image.convert("F"))


def hashes(plane: Any, *, dihedral: bool) -> tuple[list[str], int]:
    """The hash of a luma plane as python-threatexchange writes it (hex, first bit
    most significant) and its quality; with ``dihedral``, the hashes of its eight
    mirrors and rotations, the plain one first (the reference's order)."""
    rows, cols = plane.shape
    if rows < _MIN_SIDE or cols < _MIN_SIDE:
        return ["0" * 64] * (8 if dihedral else 1), 0
    row_inputs, row_weights = _taps(rows)
    col_inputs, col_weights = _taps(cols)
    picked = plane[row_inputs.ravel()].reshape(*row_inputs.shape, cols)
    across = np.matmul(row_weights[:, None, :], picked)[:, 0, :]  # 64 x cols
    samples = np.einsum("ijk,jk->ij", across[:, col_inputs], col_weights)  # 64 x 64
    dct = _DCT @ samples @ _DCT.T
    variants = _dihedral(dct) if dihedral else [dct]
    return [_bits(v) for v in variants], _quality(samples)


def _taps(length: int) -> tuple[Any, Any]:
    return _cached_taps(length) if length <= _CACHED_UP_TO else _build_taps(length)


@lru_cache(maxsize=64)
def _cached_taps(length: int) -> tuple[Any, Any]:
    return _build_taps(length)


def _build_taps(length: int) -> tuple[Any, Any]:
    """For an axis of ``length``: the inputs each of the 64 samples reads and their
    weights (64 x span; past the axis's end, the last input with no weight).

    A reference box pass averages, for output q, the inputs ``low(q)..high(q)``
    (a window of ``ceil(length / 128)``, cut at the edges); the second pass
    averages the first's outputs over sample p's window. So input r weighs
    ``sum over q in window(p) with r in window(q) of 1 / (count(q) count(p))``,
    summed here with difference arrays.
    """
    window = (length + 127) // 128
    half = (window + 2) // 2
    left, right = window - half, half - 1
    positions = np.arange(length)
    low = np.maximum(positions - left, 0)
    high = np.minimum(positions + right, length - 1)
    count = high - low + 1
    samples = ((np.arange(_SAMPLES) + 0.5) * length / _SAMPLES).astype(np.intp)
    starts = low[low[samples]]
    span = 2 * (left + right) + 1
    steps = np.arange(window)[None, :]
    valid = steps < count[samples][:, None]
    inner = np.minimum(low[samples][:, None] + steps, length - 1)  # the first pass's outputs
    share = np.where(valid, 1.0 / (count[inner] * count[samples][:, None]), 0.0)
    which = np.broadcast_to(np.arange(_SAMPLES)[:, None], inner.shape)
    diffs = np.zeros((_SAMPLES, span + 1))
    np.add.at(diffs, (which, low[inner] - starts[:, None]), share)
    np.add.at(diffs, (which, high[inner] + 1 - starts[:, None]), -share)
    inputs = starts[:, None] + np.arange(span)
    reads = inputs <= high[high[samples]][:, None]
    weights = np.where(reads, np.cumsum(diffs, axis=1)[:, :span], 0.0)
    return np.minimum(inputs, length - 1), weights.astype(np.float32)


def _quality(samples: Any) -> int:
    """The reference's gradient count over the 64x64 samples, from 0 to 100."""
    grid = samples.astype(np.float32)
    down = ((grid[:-1] - grid[1:]) * np.float32(100) / np.float32(255)).astype(np.int32)
    across = ((grid[:, :-1] - grid[:, 1:]) * np.float32(100) / np.float32(255)).astype(np.int32)
    return min(100, int(np.abs(down).sum() + np.abs(across).sum()) // 90)


def _dihedral(dct: Any) -> list[Any]:
    """The DCT of each mirror and rotation, from signs and a transpose (the
    reference's order: original, rot90, rot180, rot270, flip x, flip y, flip +1, flip -1)."""
    return [
        dct,
        (dct * _SIGN_J).T,
        dct * _SIGN_IJ,
        (dct * _SIGN_I).T,
        dct * _SIGN_I,
        dct * _SIGN_J,
        dct.T,
        (dct * _SIGN_IJ).T,
    ]


def _bits(dct: Any) -> str:
    """Bit i*16+j set where coefficient (i, j) is above the lower median, as hex."""
    flat = dct.ravel()
    median = np.partition(flat, 127)[127]
    return np.packbits((flat > median)[::-1]).tobytes().hex()
