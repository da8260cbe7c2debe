"""Meta's PDQ: the 256-bit perceptual hash that shared lists (StopNCII, GIFCT,
ThreatExchange/HMA) carry.

Stored hashes are the plain ones, with the arithmetic of Meta's reference that
python-threatexchange runs (``pdq_math``: the same bits as ``pdqhash.compute``
on the same pixels, in a fifth of the time). Queries also try the eight
dihedral variants (mirrors, 90-degree rotations) and the image without uniform
borders, so a flipped, rotated or letterboxed copy still matches.
"""

from typing import TYPE_CHECKING

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
        from core.signals import pdq_math  # noqa: PLC0415 (the hashing stack loads when hashing)

        (value,), quality = pdq_math.hashes(pdq_math.luma(image), dihedral=False)
        return Signal(cls.name, value, quality)

    @classmethod
    def analyse(cls, media: "DecodedMedia") -> tuple[Signal, list[str]]:
        from core.media.pictures import uniform_border  # noqa: PLC0415 (the hashing stack)
        from core.signals import pdq_math  # noqa: PLC0415

        # One pass gives all eight orientations; the first is the plain hash.
        plane = pdq_math.luma(media.image)
        values, quality = pdq_math.hashes(plane, dihedral=True)
        signal = Signal(cls.name, values[0], quality)
        queries = values if cls.trusted(signal) else []
        box = uniform_border(media.image)
        if box is not None:  # the letterboxed picture: its luma is the plane's crop
            left, top, right, bottom = box
            inner, quality = pdq_math.hashes(plane[top:bottom, left:right], dihedral=True)
            if quality >= cls.min_quality:
                queries.extend(inner)
        frames = (cls.hash_image(frame) for frame in media.frames)
        queries.extend(s.value for s in frames if cls.trusted(s))
        return signal, list(dict.fromkeys(queries))
