"""What every signal type is, and the registry check that keeps them whole.

A signal type is one hash algorithm under a stored name. The name is written
into banks and audit rows, so it never changes once released.
"""

import hashlib
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Protocol

from core.errors import InputError
from core.model import Band, Signal
from core.signals.indexes import ExactValues, IndexHit, SignalIndex

if TYPE_CHECKING:  # the hashing stack loads when hashing
    from PIL import Image

    from core.media.decode import DecodedMedia

__all__ = [
    "BankRules",
    "ExactSignalType",
    "ImageHashSignalType",
    "LinkSignalType",
    "PerceptualSignalType",
    "SignalType",
    "Thresholds",
    "build_registry",
]

_HEX = re.compile(r"[0-9a-f]+")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Distances at which a match applies the bank's action (act) or only opens a case."""

    act: int
    review: int

    def check(self, bits: int) -> None:
        if not 0 <= self.act <= self.review <= bits:
            raise InputError(f"thresholds need 0 <= act <= review <= {bits}, got {self}")


class BankRules(Protocol):
    """What a bank says about matching (``core.banks.Bank``)."""

    @property
    def vpdq_query_percent(self) -> float: ...

    @property
    def vpdq_compared_percent(self) -> float: ...

    def thresholds_for(self, signal_type: "type[SignalType]") -> Thresholds: ...


class SignalType(ABC):
    """A hash algorithm: how to validate, compare, index and threshold its values."""

    name: ClassVar[str]
    bits: ClassVar[int]
    exact: ClassVar[bool]
    thresholds: ClassVar[Thresholds]
    # May a match of this type alone apply a bank's delete action?
    decisive: ClassVar[bool] = True
    # Are its values kept in the recent-content log, for entries listed later to
    # find (``core.engine.retro``)? Exact values and Hamming hashes are.
    reaches_back: ClassVar[bool] = True

    @classmethod
    def index(cls) -> SignalIndex:
        """A new, empty index for values of this type."""
        if cls.exact:
            return ExactValues()
        from core.signals.hamming import HammingHashes  # noqa: PLC0415 (numpy, when needed)

        return HammingHashes(cls.bits)

    @classmethod
    def band(cls, hit: IndexHit, bank: BankRules) -> Band | None:
        """Where ``hit`` falls by ``bank``'s thresholds: its act band, its review band,
        or neither (None)."""
        limits = bank.thresholds_for(cls)
        if hit.distance > limits.review:
            return None
        return Band.ACT if hit.distance <= limits.act else Band.REVIEW

    @classmethod
    def shown(cls, value: str) -> str:
        """How a matched value is shown (on a case, a card, in the audit log)."""
        return value

    @classmethod
    def note(cls, hit: IndexHit) -> str:
        """What to say of a hit beyond its distance."""
        return ""

    @classmethod
    def max_distance(cls) -> int:
        """The widest threshold a bank may set: 0 for an exact type; a quarter of the
        bits for a perceptual one (unrelated photos are ~100 of PDQ's 256 bits apart,
        17 of pHash's 64: a wider band matches strangers' pictures)."""
        return 0 if cls.exact else cls.bits // 4

    @classmethod
    def canonical(cls, value: str) -> str:
        """The lowercase-hex form of ``value``, or ``InputError`` saying what is wrong."""
        text = value.strip().lower()
        if len(text) != cls.bits // 4:
            raise InputError(f"{cls.name} hash must be {cls.bits // 4} hex digits, got {len(text)}")
        if not _HEX.fullmatch(text):
            raise InputError(f"{cls.name} hash must be hexadecimal")
        cls._check_value(text)
        return text

    @classmethod  # noqa: B027 - an optional hook, empty by design
    def _check_value(cls, value: str) -> None:
        """Type-specific rejections beyond length and alphabet."""

    @classmethod
    @abstractmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two canonical hashes (0 = identical)."""


class ExactSignalType(SignalType):
    """A cryptographic digest of the raw bytes: equal or not."""

    exact = True
    thresholds = Thresholds(0, 0)
    video_only: ClassVar[bool] = False  # computed for videos only (video_md5, ...)

    @classmethod
    @abstractmethod
    def hasher(cls) -> "hashlib._Hash":
        """A new digest object (files too large to hold are digested in chunks)."""

    @classmethod
    def digest(cls, data: bytes) -> str:
        """Hex digest of ``data``."""
        hasher = cls.hasher()
        hasher.update(data)
        return hasher.hexdigest()

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else cls.bits


class PerceptualSignalType(SignalType):
    """A perceptual hash of decoded pixels, compared by Hamming distance."""

    exact = False
    # Hashes of lower quality (flat, featureless images) are not matched on.
    min_quality: ClassVar[int] = 0

    @classmethod
    @abstractmethod
    def hash_image(cls, image: "Image.Image") -> Signal:
        """The stored form of the hash of ``image``."""

    @classmethod
    def analyse(cls, media: "DecodedMedia") -> tuple[Signal, list[str]]:
        """The stored signal of ``media`` and the hashes to look up for it.

        Lookups cover the image and any sampled animation frames, leaving out
        untrusted hashes; a type with cheaper or richer variants overrides this.
        """
        signal = cls.hash_image(media.image)
        frames = (cls.hash_image(frame) for frame in media.frames)
        trusted = (s.value for s in (signal, *frames) if cls.trusted(s))
        return signal, _unique(trusted)

    @classmethod
    def trusted(cls, signal: Signal) -> bool:
        """Good enough to bank or match on: quality, and not a degenerate value."""
        if signal.quality is not None and signal.quality < cls.min_quality:
            return False
        try:
            cls._check_value(signal.value)
        except InputError:
            return False
        return True

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()


class ImageHashSignalType(PerceptualSignalType):
    """imagehash's 64-bit hashes: no quality score, but a flat image gives a
    (nearly) all-zero hash that would match every other flat image.

    They are computed on a 128x128 grayscale box thumbnail: imagehash shrinks
    to 32x32 or 9x8 anyway, the values stay within 0-3 bits of imagehash on the
    full image (measured on the test photographs), and it costs half as much.
    """

    bits = 64
    decisive = False
    _MIN_SET_BITS: ClassVar[int] = 4

    @classmethod
    @abstractmethod
    def hash_thumbnail(cls, thumbnail: "Image.Image") -> Signal:
        """The hash of an image's ``gray_thumbnail``."""

    @classmethod
    def hash_image(cls, image: "Image.Image") -> Signal:
        from core.media.pictures import gray_thumbnail  # noqa: PLC0415 (the hashing stack)

        return cls.hash_thumbnail(gray_thumbnail(image))

    @classmethod
    def analyse(cls, media: "DecodedMedia") -> tuple[Signal, list[str]]:
        first, *frames = (cls.hash_thumbnail(t) for t in media.gray_thumbnails)
        return first, _unique(s.value for s in (first, *frames) if cls.trusted(s))

    @classmethod
    def _check_value(cls, value: str) -> None:
        if int(value, 16).bit_count() < cls._MIN_SET_BITS:
            raise InputError(
                f"{cls.name} hash {value} has under {cls._MIN_SET_BITS} bits set: "
                "a flat image's, which would match every flat image"
            )


class LinkSignalType(SignalType):
    """A link rule (``core.signals.links``): equal or not, matched on link queries."""

    exact = True
    bits = 0
    thresholds = Thresholds(0, 0)

    @classmethod
    @abstractmethod
    def canonical(cls, value: str) -> str:
        """The canonical rule value, or ``InputError``."""

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


_REQUIRED = ("name", "bits", "exact", "thresholds")


def build_registry(types: Iterable[type[SignalType]]) -> Mapping[str, type[SignalType]]:
    """Check the signal types once, at import, and map stored name -> type.

    ABCs alone miss a class attribute left undefined (python-threatexchange's
    TLSH showed it), so the required attributes are checked here too.
    """
    registry: dict[str, type[SignalType]] = {}
    for cls in types:
        missing = [attr for attr in _REQUIRED if not hasattr(cls, attr)]
        if missing or inspect.isabstract(cls):
            raise TypeError(f"signal type {cls.__name__} is incomplete: {missing or 'abstract'}")
        hashes = issubclass(cls, (ExactSignalType, PerceptualSignalType))
        if not _NAME.fullmatch(cls.name) or (hashes and (cls.bits <= 0 or cls.bits % 64)):
            raise TypeError(f"signal type {cls.__name__}: bad name or bit length")
        cls.thresholds.check(cls.bits)
        if cls.name in registry:
            raise TypeError(f"signal type name {cls.name!r} is used twice")
        registry[cls.name] = cls
    return MappingProxyType(registry)
