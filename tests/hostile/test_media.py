"""Hostile media: disguised, wide, huge or endless inputs are matched or refused
with a clear error, within bounded work and memory (issue 13, items 1, 2, 4, 6, 7)."""

import hashlib
import os
from pathlib import Path

import pytest
from PIL import Image

from core.bank_lists import entries_for_media
from core.banks import Bank
from core.errors import InputError
from core.matching.matcher import Matcher
from core.media.containers import gif_layout, mp4_duration, video_container
from core.media.decode import MediaLimits, decode_cost, decode_image
from core.media.hashing import hash_file, hash_media
from core.model import Match, MediaSignals
from tests.conftest import encode, load_photo
from tests.core.videos import video
from tests.hostile import corpus

PHOTO = load_photo("astronaut")
BANNED = encode(PHOTO)
ROOT = Path(__file__).resolve().parents[2]


def _matches(banked: bytes, query: MediaSignals) -> list[Match]:
    matcher = Matcher([Bank("ncii")])
    entries = entries_for_media(hash_media(banked), source="t", added_by="t")
    matcher.add("ncii", [(i, e.signal_type, e.value, False) for i, e in enumerate(entries)])
    return matcher.match(query.queries)


def test_a_jpeg_whose_bytes_say_ftyp_is_matched_as_an_image() -> None:
    disguised = corpus.jpeg_sniffed_as_mp4(BANNED)
    assert disguised[4:8] == b"ftyp"
    assert video_container(disguised) is None
    media = hash_media(disguised)
    assert media.error is None
    pdq = [m for m in _matches(BANNED, media) if m.signal_type == "pdq"]
    assert pdq
    assert pdq[0].distance == 0


def test_a_real_mp4_is_still_a_video_and_its_duration_is_read_from_its_header() -> None:
    clip = video("source")
    assert video_container(clip) == "mp4"
    assert mp4_duration(clip) == pytest.approx(10, abs=0.2)


def test_a_failed_video_decode_falls_back_to_the_image() -> None:
    """A real ISO BMFF header glued before a JPEG: no video decodes, the photo does not
    (JPEG needs its SOI first), and the error is the video's; the digests stand."""
    media = hash_media(video("source")[:40] + BANNED)
    assert [s.signal_type for s in media.signals][:2] == ["sha256", "md5"]
    assert media.error is not None


@pytest.mark.parametrize(
    "make",
    [
        lambda: corpus.sixteen_bit(PHOTO, "PNG"),
        lambda: corpus.sixteen_bit(PHOTO, "TIFF"),
        lambda: corpus.float_tiff(PHOTO),
    ],
    ids=["png-16", "tiff-16", "tiff-float"],
)
def test_wide_samples_keep_their_hash(make: object) -> None:
    gray = encode(PHOTO.convert("L"), "PNG")
    wide = make()  # type: ignore[operator]
    media = hash_media(wide)
    assert media.error is None
    found = {m.signal_type: m.distance for m in _matches(gray, media)}
    assert found.get("pdq", 99) <= 2
    assert found.get("phash", 99) <= 2


def test_gif_headers_give_frames_and_the_grown_canvas() -> None:
    layout = gif_layout(corpus.gif_canvas_growth())
    assert layout is not None
    assert (layout.width, layout.height, layout.frames) == (13001, 13001, 2)
    many = gif_layout(corpus.gif_many_frames(side=100, frames=50))
    assert many is not None
    assert (many.width, many.frames, many.durations_ms[0]) == (100, 50, 10)


def test_a_canvas_grown_past_the_pixel_limit_is_refused_before_decoding() -> None:
    media = hash_media(corpus.gif_canvas_growth())
    assert media.error is not None
    assert "grows the canvas to 13001x13001" in media.error
    assert [s.signal_type for s in media.signals] == ["sha256", "md5"]


def test_an_animation_is_walked_only_within_its_work_budget() -> None:
    """3,000 frames on a 49-megapixel screen: the old walk composited every one
    (over 10 minutes); now five frames are decoded and the error says so."""
    media = hash_media(corpus.gif_many_frames())
    assert media.error is not None
    assert "only the first 5 were decoded" in media.error
    assert {"sha256", "md5", "pdq"} <= {s.signal_type for s in media.signals}


def test_an_animation_stops_at_the_deadline() -> None:
    frames = [Image.new("RGB", (64, 64), (i * 40 % 255, 80, 160)) for i in range(6)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=1000)
    media = decode_image(gif, MediaLimits(), on_frame=lambda *_: None, deadline=0.0)
    assert media.note is not None
    assert "stopped at frame 0" in media.note


def test_an_mp4_declaring_a_long_duration_is_refused_before_decoding() -> None:
    media = hash_media(video("source"), MediaLimits(max_seconds=3))
    assert media.error == "the video is 10 s long, over the 3-second limit"
    assert "video_sha256" in media.queries


def test_a_file_over_the_byte_limit_still_gets_its_exact_digests(tmp_path: Path) -> None:
    path = tmp_path / "big.mp4"
    data = video("source") + os.urandom(300_000)
    path.write_bytes(data)
    media = hash_file(path, MediaLimits(max_bytes=100_000))
    assert media.queries["sha256"] == (hashlib.sha256(data).hexdigest(),)
    assert media.queries["video_md5"] == (hashlib.md5(data).hexdigest(),)
    assert media.error is not None
    assert "only its exact digests" in media.error


def test_devices_and_fifos_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(InputError, match="not a regular file"):
            hash_file(path)


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [("PNG", "RGBA"), ("PNG", "I;16"), ("WEBP", "RGB"), ("TIFF", "RGB"), ("GIF", "P")],
)
def test_peak_memory_of_a_decode_stays_within_its_estimate(
    tmp_path: Path, fmt: str, mode: str
) -> None:
    """Measured in a fresh process: what decoding and hashing a 16-megapixel image
    adds to the peak stays under the estimate the limit is enforced by."""
    side = 4000
    path = tmp_path / f"big.{fmt.lower()}"
    path.write_bytes(corpus.big_picture(fmt, mode, side))
    grown, error = corpus.decode_growth(path)
    assert error == ""
    assert grown > side * side  # the decode is measured (at least a byte a pixel)
    assert grown <= decode_cost(fmt, side, side, MediaLimits())


def test_a_decode_over_the_memory_budget_is_refused() -> None:
    media = hash_media(corpus.big_picture("PNG", "RGB", 2000), MediaLimits(max_decode_mib=8))
    assert media.error is not None
    assert "over the 8 MiB limit" in media.error
