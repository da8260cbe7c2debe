import hashlib
from typing import ClassVar

import pytest
from PIL import Image, ImageOps

from core.errors import InputError
from core.media.decode import decode_image
from core.media.hashing import hash_media
from core.media.pictures import gray_thumbnail
from core.signals import (
    SIGNAL_TYPES,
    ExactSignalType,
    PerceptualSignalType,
    SignalType,
    Thresholds,
    get_signal_type,
)
from core.signals.base import build_registry
from tests.conftest import encode, load_photo, stereo_pair


class SignalTypeAutoTest:
    """Every signal type passes these; a new type adds one subclass below."""

    signal_type: ClassVar[type[SignalType]]
    stored_name: ClassVar[str]
    hex_digits: ClassVar[int]

    def test_stored_name_never_changes(self) -> None:
        assert self.signal_type.name == self.stored_name
        assert SIGNAL_TYPES[self.stored_name] is self.signal_type

    def test_hash_of_a_photo_is_canonical(self, photos: dict[str, Image.Image]) -> None:
        media = hash_media(encode(photos["coffee"]))
        (signal,) = [s for s in media.signals if s.signal_type == self.stored_name]
        assert len(signal.value) == self.hex_digits
        assert self.signal_type.canonical(signal.value) == signal.value

    @pytest.mark.parametrize(
        "mangle", [str.upper, lambda v: f"  {v}\n", lambda v: v.upper().center(len(v) + 4)]
    )
    def test_canonical_form_is_lowercase_trimmed_hex(self, mangle: object) -> None:
        value = "1f" * (self.hex_digits // 2)
        assert self.signal_type.canonical(mangle(value)) == value  # type: ignore[operator]

    @pytest.mark.parametrize(
        ("bad", "why"),
        [
            ("", "hex digits"),
            ("abc", "hex digits"),
            ("zz", "hexadecimal"),
            ("12 34", "hex"),
        ],
    )
    def test_garbage_is_rejected(self, bad: str, why: str) -> None:
        sized = bad.ljust(self.hex_digits, "0") if bad in {"zz", "12 34"} else bad
        with pytest.raises(InputError, match=why):
            self.signal_type.canonical(sized)

    def test_wrong_length_names_the_expected_length(self) -> None:
        with pytest.raises(InputError, match=f"{self.hex_digits} hex digits"):
            self.signal_type.canonical("a" * (self.hex_digits + 2))

    def test_distance_is_zero_to_itself_and_symmetric(self) -> None:
        a = "1f" * (self.hex_digits // 2)
        b = "2e" * (self.hex_digits // 2)
        assert self.signal_type.distance(a, a) == 0
        assert self.signal_type.distance(a, b) == self.signal_type.distance(b, a) > 0

    def test_thresholds_fit_the_bit_length(self) -> None:
        limits = self.signal_type.thresholds
        assert 0 <= limits.act <= limits.review <= self.signal_type.bits


class TestSha256(SignalTypeAutoTest):
    signal_type = SIGNAL_TYPES["sha256"]
    stored_name = "sha256"
    hex_digits = 64

    def test_digest_is_over_raw_bytes(self) -> None:
        data = b"\xff\xd8 not really an image"
        assert hash_media(data).signals[0].value == hashlib.sha256(data).hexdigest()


class TestMd5(SignalTypeAutoTest):
    signal_type = SIGNAL_TYPES["md5"]
    stored_name = "md5"
    hex_digits = 32

    def test_digest_is_over_raw_bytes(self) -> None:
        data = b"any bytes at all"
        assert hash_media(data).signals[1].value == hashlib.md5(data).hexdigest()


class TestPdq(SignalTypeAutoTest):
    signal_type = SIGNAL_TYPES["pdq"]
    stored_name = "pdq"
    hex_digits = 64

    def test_all_zero_hash_is_rejected(self) -> None:
        with pytest.raises(InputError, match="all zeros"):
            self.signal_type.canonical("0" * 64)

    def test_flat_image_has_low_quality_and_is_not_queried(self) -> None:
        media = hash_media(encode(Image.new("RGB", (300, 300), (120, 30, 200)), "PNG"))
        (pdq,) = [s for s in media.signals if s.signal_type == "pdq"]
        assert pdq.quality is not None
        assert pdq.quality < 50
        assert "pdq" not in media.queries

    @pytest.mark.parametrize(
        "transform",
        [
            ImageOps.mirror,
            ImageOps.flip,
            lambda im: im.transpose(Image.Transpose.ROTATE_90),
            lambda im: im.transpose(Image.Transpose.ROTATE_270),
        ],
        ids=["mirror", "flip", "rot90", "rot270"],
    )
    def test_dihedral_copies_match(self, photos: dict[str, Image.Image], transform: object) -> None:
        original = photos["chelsea"]
        stored = Pdq.hash_image(decode_image(encode(original)).image).value
        copy = transform(original)  # type: ignore[operator]
        _, queries = Pdq.analyse(decode_image(encode(copy)))
        assert min(Pdq.distance(stored, q) for q in queries) <= Pdq.thresholds.act

    def test_letterboxed_copy_matches_through_the_stripped_variant(
        self, photos: dict[str, Image.Image]
    ) -> None:
        original = photos["astronaut"]
        boxed = Image.new("RGB", (original.width, original.height + 240), (0, 0, 0))
        boxed.paste(original, (0, 120))
        stored = Pdq.hash_image(decode_image(encode(original)).image).value
        plain = Pdq.hash_image(decode_image(encode(boxed)).image).value
        _, queries = Pdq.analyse(decode_image(encode(boxed)))
        assert Pdq.distance(stored, plain) > Pdq.thresholds.act
        assert min(Pdq.distance(stored, q) for q in queries) <= Pdq.thresholds.act


Pdq = SIGNAL_TYPES["pdq"]
assert issubclass(Pdq, PerceptualSignalType)


class TestPHash(SignalTypeAutoTest):
    signal_type = SIGNAL_TYPES["phash"]
    stored_name = "phash"
    hex_digits = 16

    def test_a_different_photo_of_the_same_scene_is_near_so_it_is_not_decisive(self) -> None:
        left, right = stereo_pair()
        media_l, media_r = hash_media(encode(left)), hash_media(encode(right))
        values = {
            name: [
                next(s.value for s in m.signals if s.signal_type == name)
                for m in (media_l, media_r)
            ]
            for name in ("phash", "pdq")
        }
        assert SIGNAL_TYPES["phash"].distance(*values["phash"]) <= 8
        assert Pdq.distance(*values["pdq"]) > Pdq.thresholds.review
        assert not SIGNAL_TYPES["phash"].decisive
        assert not SIGNAL_TYPES["dhash"].decisive
        assert Pdq.decisive


class TestDHash(SignalTypeAutoTest):
    signal_type = SIGNAL_TYPES["dhash"]
    stored_name = "dhash"
    hex_digits = 16


@pytest.mark.parametrize("name", ["phash", "dhash"])
def test_flat_image_hashes_are_refused_and_untrusted(name: str) -> None:
    kind = SIGNAL_TYPES[name]
    with pytest.raises(InputError, match="flat image"):
        kind.canonical("0000000000000001")
    media = hash_media(encode(Image.new("RGB", (300, 300), (10, 200, 30)), "PNG"))
    assert name not in media.queries


def test_every_registered_type_has_an_auto_test() -> None:
    import tests.core.media.test_frames
    import tests.core.test_links
    import tests.core.test_text_normal
    from tests.core.canonical_auto import CanonicalFormAutoTest

    assert tests.core.test_links  # importing them registers their subclasses
    assert tests.core.media.test_frames
    assert tests.core.test_text_normal
    bases: list[type] = [SignalTypeAutoTest, CanonicalFormAutoTest]
    tested = {cls.stored_name for base in bases for cls in base.__subclasses__()}  # type: ignore[attr-defined]
    assert tested == set(SIGNAL_TYPES)


class _Good(ExactSignalType):
    name = "good"
    bits = 64

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.blake2b(digest_size=8)


class _Abstract(ExactSignalType):
    name = "abstract"
    bits = 64


class _NoBits(ExactSignalType):
    name = "nobits"

    @classmethod
    def hasher(cls) -> "hashlib._Hash":
        return hashlib.sha256()


class _BadThresholds(_Good):
    name = "bad_thresholds"
    thresholds = Thresholds(act=10, review=5)


@pytest.mark.parametrize(
    ("types", "error"),
    [
        ((_Good, _Good), "used twice"),
        ((_Abstract,), "incomplete"),
        ((_NoBits,), "incomplete"),
        ((_BadThresholds,), "act <= review"),
    ],
)
def test_registry_rejects_broken_types(types: tuple[type[SignalType], ...], error: str) -> None:
    with pytest.raises((TypeError, InputError), match=error):
        build_registry(types)


def test_registry_accepts_a_complete_type() -> None:
    assert dict(build_registry([_Good])) == {"good": _Good}


def test_unknown_signal_type_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="known: sha256, md5, pdq, phash, dhash"):
        get_signal_type("tlsh")
    assert get_signal_type(" PDQ ") is Pdq


@pytest.mark.parametrize("name", ["phash", "dhash"])
def test_64_bit_hashes_are_imagehashs_bit_for_bit(name: str) -> None:
    """Without imagehash (or scipy) we get its bits on our thumbnail: on noise,
    gradients (where a flat direction's coefficients are zero), flat colours and
    the test photographs."""
    import imagehash
    import numpy as np

    rng = np.random.default_rng(7)
    images = [
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        for h, w in [(100, 120), (300, 200), (640, 480), (64, 64)] * 10
    ]
    ramp = np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (100, 1))
    images += [Image.fromarray(ramp), Image.fromarray(ramp.T.copy())]
    images += [Image.new("RGB", (90, 90), (i, 2 * i % 256, 3)) for i in range(0, 255, 51)]
    images += [load_photo(name) for name in ("astronaut", "coffee", "chelsea")]
    kind = SIGNAL_TYPES[name]
    reference = {"phash": imagehash.phash, "dhash": imagehash.dhash}[name]
    for image in images:
        expected = str(reference(gray_thumbnail(image)))
        assert kind.hash_image(image).value == expected
