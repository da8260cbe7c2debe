"""Benign edits a re-poster makes, shared by the interoperability test and the
detection-quality benchmark."""

from collections.abc import Callable

from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

from tests.conftest import encode

__all__ = ["EDITS", "edited_bytes"]


def _jpeg_q50(image: Image.Image) -> bytes:
    return encode(image, "JPEG", quality=50)


def _half_size(image: Image.Image) -> bytes:
    return encode(image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS))


def _watermark(image: Image.Image) -> bytes:
    marked = image.copy()
    draw = ImageDraw.Draw(marked)
    size = max(12, image.height // 12)
    font = ImageFont.load_default(size=size)
    draw.text(
        (image.width // 20, image.height - 2 * size), "@reposted_here", font=font, fill="white"
    )
    return encode(marked)


def _brighter(image: Image.Image) -> bytes:
    return encode(ImageEnhance.Brightness(image).enhance(1.2))


def _grayscale(image: Image.Image) -> bytes:
    return encode(ImageOps.grayscale(image))


def _mirror(image: Image.Image) -> bytes:
    return encode(ImageOps.mirror(image))


def _crop_5(image: Image.Image) -> bytes:
    dx, dy = image.width * 5 // 200, image.height * 5 // 200
    return encode(image.crop((dx, dy, image.width - dx, image.height - dy)))


def _rotate_5(image: Image.Image) -> bytes:
    return encode(image.rotate(5, resample=Image.Resampling.BICUBIC, expand=False))


EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg_q50": _jpeg_q50,
    "resize_50": _half_size,
    "watermark": _watermark,
    "brightness_20": _brighter,
    "grayscale": _grayscale,
    "mirror": _mirror,
    "crop_5": _crop_5,
    "rotate_5": _rotate_5,
}


def edited_bytes(image: Image.Image, edit: str) -> bytes:
    return EDITS[edit](image)
