import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from core.errors import InputError
from core.media.decode import MediaLimits, decode_image
from core.media.hashing import hash_media
from core.media.pictures import uniform_border
from tests.conftest import encode, load_photo

PHOTO = load_photo("chelsea")  # 451 x 300


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
def test_every_supported_format_decodes_to_rgb(fmt: str) -> None:
    media = decode_image(encode(PHOTO, fmt))
    assert media.format == fmt
    assert (media.width, media.height) == PHOTO.size
    assert media.image.mode == "RGB"


def test_exif_orientation_is_applied_before_hashing() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    sideways = encode(PHOTO, "JPEG", exif=exif.tobytes())
    upright = decode_image(sideways, MediaLimits(min_side=10_000)).image
    assert upright.size == (PHOTO.height, PHOTO.width)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"", MediaLimits(), "empty"),
        (b"hello, not an image", MediaLimits(), "not an image"),
        (encode(PHOTO)[:3000], MediaLimits(), "cannot decode"),
        (encode(PHOTO, "ICO"), MediaLimits(), "supported format"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", MediaLimits(), "not an image"),
        (_png_claiming(60_000, 60_000), MediaLimits(), "pixel limit"),
        (encode(PHOTO, "PNG"), MediaLimits(max_pixels=10_000), "pixel limit"),
        (encode(PHOTO, "PNG"), MediaLimits(max_bytes=100), "byte limit"),
    ],
    ids=["empty", "text", "truncated", "ico", "eps", "bomb", "pixels", "bytes"],
)
def test_bad_input_is_an_input_error(data: bytes, limits: MediaLimits, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode_image(data, limits)


def test_exact_hashes_survive_a_decoding_error() -> None:
    media = hash_media(encode(PHOTO)[:3000])
    assert [s.signal_type for s in media.signals] == ["sha256", "md5"]
    assert media.error is not None
    assert "cannot decode" in media.error


def test_over_the_byte_limit_nothing_is_hashed() -> None:
    with pytest.raises(InputError, match="byte limit"):
        hash_media(b"x" * 101, MediaLimits(max_bytes=100))


@pytest.mark.parametrize("field", ["max_bytes", "max_pixels", "max_frames", "min_side"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(InputError, match=field):
        MediaLimits(**{field: 0})


def test_animation_frames_are_sampled_within_the_limit() -> None:
    frames = [Image.new("RGB", (64, 64), (i * 12, 255 - i * 12, 40)) for i in range(20)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    media = decode_image(gif, MediaLimits(max_frames=5))
    assert len(media.frames) == 4
    assert media.image.getpixel((5, 5)) != media.frames[-1].getpixel((5, 5))


def test_a_still_image_has_no_extra_frames() -> None:
    assert decode_image(encode(PHOTO, "PNG")).frames == ()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_images_are_reduced_but_not_below_min_side(fmt: str) -> None:
    big = PHOTO.resize((2400, 1600))
    media = decode_image(encode(big, fmt), MediaLimits(min_side=256))
    assert 256 <= min(media.image.size) < 2 * 256 + 1
    assert (media.width, media.height) == (2400, 1600)


def test_letterbox_bars_are_stripped() -> None:
    boxed = Image.new("RGB", (451, 500), (3, 3, 3))
    boxed.paste(PHOTO, (0, 100))
    assert uniform_border(boxed) == (0, 100, 451, 400)


@pytest.mark.parametrize(
    "image",
    [PHOTO, Image.new("RGB", (200, 200), (9, 9, 9))],
    ids=["photo-without-bars", "flat-image"],
)
def test_nothing_is_stripped_without_a_letterbox(image: Image.Image) -> None:
    assert uniform_border(image) is None


def _border_of_whole_image(image: Image.Image, tolerance: int = 16) -> object:
    """``uniform_border`` without its edge check: every pixel compared."""
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))
    table = [0 if v <= tolerance else 255 for v in range(256)] * 3
    box = ImageChops.difference(image, background).point(table).getbbox()
    width, height = image.size
    if box is None or box == (0, 0, width, height):
        return None
    left, top, right, bottom = box
    return None if right - left < width // 4 or bottom - top < height // 4 else box


@settings(max_examples=200, deadline=None)
@given(
    bars=st.tuples(*[st.integers(0, 30)] * 4),
    colour=st.tuples(*[st.integers(0, 255)] * 3),
    noise=st.integers(0, 24),
    seed=st.integers(0, 2**16),
)
def test_the_edge_check_finds_every_border_the_whole_image_does(
    bars: tuple[int, int, int, int], colour: tuple[int, int, int], noise: int, seed: int
) -> None:
    """Bars of any colour on any sides, with compression-like noise (sometimes
    past the tolerance): the edges alone decide 'no border' exactly when the
    whole comparison does."""
    import numpy as np

    rng = np.random.default_rng(seed)
    left, top, right, bottom = bars
    pixels = np.empty((60 + top + bottom, 80 + left + right, 3), dtype=np.int16)
    pixels[:] = colour
    pixels[top : top + 60, left : left + 80] = np.asarray(PHOTO.resize((80, 60)))
    pixels += rng.integers(-noise, noise + 1, pixels.shape, dtype=np.int16)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    assert uniform_border(image) == _border_of_whole_image(image)


_SEEDS = [encode(PHOTO.resize((64, 48)), fmt) for fmt in ("JPEG", "PNG", "GIF", "WEBP", "TIFF")]


@pytest.mark.filterwarnings("ignore::UserWarning")  # PIL's notes on skipped TIFF tags
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10_000),
)
def test_corrupted_images_raise_only_input_errors(
    seed: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    data = data[: max(1, len(data) - cut % len(data))]
    try:
        media = decode_image(bytes(data))
    except InputError:
        return
    assert media.image.mode == "RGB"
