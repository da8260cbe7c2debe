"""Meta's PDQ: the 256-bit perceptual hash that shared lists (StopNCII, GIFCT,
ThreatExchange/HMA) carry.

Stored hashes are the plain ones, hashed like python-threatexchange does (RGB
pixels into ``pdqhash.compute``). Queries also try the eight dihedral variants
(mirrors, 90-degree rotations) and the image without uniform borders, so a
flipped, rotated or letterboxed copy still matches.
"""

from typing import TYPE_CHECKING, Any

from core.errors import InputError
from core.model import Signal
from core.signals.base import PerceptualSignalType, Thresholds

if TYPE_CHECKING:
    from PIL import Image

    from core.media.decode import DecodedMedia

__all__ = ["Pdq"]


class Pdq(PerceptualSignalType):
    name = "pdq"
    bits = 256
    thresholds = Thresholds(act=31, review=45)
    min_quality = 50

    @classmethod
    def _check_value(cls, value: str) -> None:
        if not value.strip("0"):
            raise InputError("pdq hash is all zeros (the hash of a blank image), not a signal")

    @classmethod
    def hash_image(cls, image: "Image.Image") -> Signal:
        import numpy as np  # noqa: PLC0415 (the hashing stack loads when hashing)
        import pdqhash  # noqa: PLC0415

        vector, quality = pdqhash.compute(np.asarray(image))
        return Signal(cls.name, _hex(vector), int(quality))

    @classmethod
    def analyse(cls, media: "DecodedMedia") -> tuple[Signal, list[str]]:
        import numpy as np  # noqa: PLC0415 (the hashing stack loads when hashing)
        import pdqhash  # noqa: PLC0415

        from core.media.decode import strip_uniform_border  # noqa: PLC0415

        # One pass gives all eight orientations; the first is the plain hash.
        vectors, quality = pdqhash.compute_dihedral(np.asarray(media.image))
        signal = Signal(cls.name, _hex(vectors[0]), int(quality))
        values = [_hex(v) for v in vectors] if cls.trusted(signal) else []
        cropped = strip_uniform_border(media.image)
        if cropped is not None:
            vectors, quality = pdqhash.compute_dihedral(np.asarray(cropped))
            if quality >= cls.min_quality:
                values.extend(_hex(v) for v in vectors)
        frames = (cls.hash_image(frame) for frame in media.frames)
        values.extend(s.value for s in frames if cls.trusted(s))
        return signal, list(dict.fromkeys(values))


def _hex(vector: Any) -> str:
    """pdqhash's bit vector as hex, first bit most significant (as pytx writes it)."""
    import numpy as np  # noqa: PLC0415 (the hashing stack loads when hashing)

    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()
