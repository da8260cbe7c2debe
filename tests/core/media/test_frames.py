"""vPDQ video matching on clips generated with FFmpeg, HMA compatibility, limits."""

import json

import pytest
from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq, vpdq_to_json

from core.bank_lists import entries_for_media
from core.banks import Bank
from core.errors import InputError
from core.matching.matcher import Matcher
from core.media.containers import video_container
from core.media.decode import MediaLimits
from core.media.frames import frames_from_json
from core.media.hashing import hash_media
from core.model import Band, BankAction, MediaSignals
from core.signals import SIGNAL_TYPES
from tests.core.canonical_auto import CanonicalFormAutoTest
from tests.core.videos import video


@pytest.fixture(scope="module")
def banked() -> tuple[Matcher, MediaSignals]:
    media = hash_media(video("source"))
    matcher = Matcher([Bank("videos")])
    entries = entries_for_media(media, source="t", added_by="t")
    matcher.add("videos", [(i, e.signal_type, e.value, False) for i, e in enumerate(entries)])
    return matcher, media


def test_a_video_gets_its_digests_and_a_frame_a_second(
    banked: tuple[Matcher, MediaSignals],
) -> None:
    _, media = banked
    types = [s.signal_type for s in media.signals]
    assert types == ["sha256", "md5", "video_md5", "video_sha256", "vpdq"]
    frames = frames_from_json(media.signals[-1].value)
    assert len(frames) == 10
    assert [f.timestamp for f in frames[:3]] == [0.0, 1.0, 2.0]
    assert media.error is None


def test_the_serialisation_is_python_threatexchanges(banked: tuple[Matcher, MediaSignals]) -> None:
    ours = banked[1].signals[-1].value
    assert vpdq_to_json(json_to_vpdq(ours)) == ours


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("source", ".mp4"),
        ("low_bitrate", ".mp4"),
        ("resized", ".mp4"),
        ("trimmed_20", ".mp4"),
        ("watermarked", ".mp4"),
        ("source", ".gif"),
        ("source", ".webp"),
    ],
)
def test_edited_copies_match(banked: tuple[Matcher, MediaSignals], name: str, suffix: str) -> None:
    matcher, _ = banked
    copy = hash_media(video(name, suffix))
    assert copy.error is None
    (match,) = [m for m in matcher.match(copy.queries) if m.signal_type == "vpdq"]
    assert (match.band, match.action) == (Band.ACT, BankAction.DELETE)
    assert "of the video's frames match" in match.note


@pytest.mark.parametrize("name", ["unrelated", "black"])
def test_unrelated_videos_do_not_match(banked: tuple[Matcher, MediaSignals], name: str) -> None:
    matcher, _ = banked
    assert matcher.match(hash_media(video(name)).queries) == []


def test_animation_frames_are_a_second_apart() -> None:
    frames = frames_from_json(hash_media(video("source", ".webp")).signals[-1].value)
    assert [f.timestamp for f in frames] == [float(i) for i in range(10)]


def test_a_truncated_video_still_has_its_digests() -> None:
    data = video("source")[:5000]
    assert video_container(data) == "mp4"
    media = hash_media(data)
    assert [s.signal_type for s in media.signals] == ["sha256", "md5", "video_md5", "video_sha256"]
    assert media.error is not None
    assert "cannot decode video" in media.error


def test_an_empty_file_is_refused_cleanly() -> None:
    media = hash_media(b"")
    assert media.error == "file is empty"


def test_a_video_over_the_duration_limit_keeps_its_digests() -> None:
    media = hash_media(video("source"), MediaLimits(max_seconds=5))
    assert media.error == "the video is 10 s long, over the 5-second limit"
    assert "video_md5" in media.queries


def test_bank_shares_are_settings() -> None:
    """A clip trimmed by 20 % covers ~80 % of the banked video's frames."""
    source = hash_media(video("source")).signals[-1].value
    trimmed = hash_media(video("trimmed_20")).queries
    for share, expected in ((0.0, [Band.ACT]), (70.0, [Band.ACT]), (95.0, [])):
        matcher = Matcher([Bank("b", vpdq_compared_percent=share)])
        matcher.add("b", [(1, "vpdq", source, False)])
        assert [m.band for m in matcher.match(trimmed)] == expected, share
    with pytest.raises(InputError, match="between 0 and 100"):
        Bank("bad", vpdq_query_percent=120)


PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


class TestVideoMd5(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["video_md5"]
    stored_name = "video_md5"
    good = (("5EB63BBBE01EEED093CB22BB8F5ACDC3", "5eb63bbbe01eeed093cb22bb8f5acdc3"),)
    bad = ("abc", "")


class TestVideoSha256(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["video_sha256"]
    stored_name = "video_sha256"
    good = (("A" * 64, "a" * 64),)
    bad = ("abc",)


class TestVpdq(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["vpdq"]
    stored_name = "vpdq"
    good = (
        (
            json.dumps([f"{PDQ.upper()},100,0.0", f"{PDQ},90,1.0"]),
            json.dumps([f"{PDQ},100,0.0", f"{PDQ},90,1.0"]),
        ),
    )
    bad = (
        "[]",
        "not json",
        json.dumps([f"{PDQ},101,0.0"]),
        json.dumps([f"{PDQ[:-1]},100,0.0"]),
        json.dumps([1]),
    )


class TestFileKey(CanonicalFormAutoTest):
    signal_type = SIGNAL_TYPES["file_key"]
    stored_name = "file_key"
    good = (("Telegram:AgADxyz", "telegram:AgADxyz"),)
    bad = ("nokey", "telegram:", "tele gram:x", "telegram:a b")


@pytest.mark.parametrize("fmt", ["pytx-csv", "hma-csv", "lines"])
def test_vpdq_lists_round_trip_through_every_format(
    banked: tuple[Matcher, MediaSignals], fmt: str
) -> None:
    import io

    from core.banks import Entry
    from core.formats import ListFormat, read_hash_list, write_hash_list

    value = banked[1].signals[-1].value
    out = io.StringIO()
    write_hash_list(
        [Entry("vpdq", value, external_id="7")], ListFormat(fmt), out, signal_type="vpdq"
    )
    rows = list(
        read_hash_list(io.BytesIO(out.getvalue().encode()), ListFormat(fmt), signal_type="vpdq")
    )
    assert [r.value for r in rows] == [value]  # type: ignore[union-attr]
