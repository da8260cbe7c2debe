"""What the hashes look at in a decoded picture, beyond its pixels: the box
inside letterbox bars, and the small gray thumbnail the 64-bit hashes read."""

from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops

__all__ = ["gray_thumbnail", "uniform_border"]

_THUMBNAIL = (128, 128)


def uniform_border(image: Image.Image, tolerance: int = 16) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) inside uniform bars on the image's edges
    (letterboxing), or None if it has none.

    Like python-threatexchange's ``unletterbox`` but for bars of the corner's
    colour (not only black), with a tolerance for compression noise. Bars that
    would leave less than a quarter of either dimension are not stripped: that
    is a flat image, not a letterbox. Most pictures have no bar: the box is the
    whole image exactly when each of its four edges has a pixel unlike the
    corner, which is checked first on the edges alone.
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    corner = rgb.getpixel((0, 0))
    width, height = rgb.size
    edges = [(0, 0, width, 1), (0, height - 1, width, height)]
    edges += [(0, 0, 1, height), (width - 1, 0, width, height)]
    reference = np.asarray(corner, dtype=np.int16)
    if all(
        (np.abs(np.asarray(rgb.crop(edge), dtype=np.int16) - reference) > tolerance).any()
        for edge in edges
    ):
        return None
    box = _unlike(rgb, corner, tolerance).getbbox()
    if box is None or box == (0, 0, width, height):
        return None
    left, top, right, bottom = box
    if right - left < width // 4 or bottom - top < height // 4:
        return None
    return box


def _unlike(rgb: Image.Image, colour: object, tolerance: int) -> Image.Image:
    """Non-zero where a pixel of ``rgb`` differs from ``colour`` by over ``tolerance``."""
    background = Image.new("RGB", rgb.size, colour)  # type: ignore[arg-type]
    return ImageChops.difference(rgb, background).point(_over(tolerance))


def gray_thumbnail(image: Image.Image) -> Image.Image:
    """The 128x128 grayscale box thumbnail that both 64-bit hashes read."""
    return image.convert("L").resize(_THUMBNAIL, Image.Resampling.BOX)


@lru_cache(maxsize=8)
def _over(tolerance: int) -> tuple[int, ...]:
    """A per-band lookup table: 0 within ``tolerance``, 255 beyond."""
    return tuple(0 if v <= tolerance else 255 for v in range(256)) * 3
