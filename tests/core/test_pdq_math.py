"""PDQ computed only where it is read gives the reference's bits: checked
against pdqhash (Meta's C++ reference, as python-threatexchange runs it)."""

import numpy as np
import pdqhash
import pytest
from PIL import Image

from core.signals import pdq_math
from core.signals.pdq import Pdq
from tests.conftest import PHOTO_NAMES, load_photo


def _reference(image: Image.Image) -> tuple[list[str], int]:
    vectors, quality = pdqhash.compute_dihedral(np.asarray(image))
    return [np.packbits(v.astype(np.uint8)).tobytes().hex() for v in vectors], int(quality)


def _sizes(photo: Image.Image) -> list[Image.Image]:
    """The photo as the decoder leaves it and at sizes that reach each edge case:
    windows of 1, 2 and many, samples reading past an axis's end, odd lengths,
    extreme shapes, taps too long to cache, sides below PDQ's minimum."""
    width, height = photo.size
    return [
        photo,
        photo.resize((width // 3 + 7, height // 2 + 3)),
        photo.resize((97, 131)),
        photo.resize((129, 257)),
        photo.crop((0, 0, width, height // 3)),
        photo.resize((9000, 256)),
        photo.resize((256, 9000)),
        photo.resize((300, 6)),
        photo.resize((5, 9)),
        photo.resize((4, 100)),
    ]


@pytest.mark.parametrize("name", PHOTO_NAMES)
def test_every_variant_and_the_quality_are_the_references(name: str) -> None:
    for image in _sizes(load_photo(name).convert("RGB")):
        ours = pdq_math.hashes(pdq_math.luma(image), dihedral=True)
        assert ours == _reference(image), image.size


def test_the_plain_hash_is_the_first_variant_and_pdqhash_computes() -> None:
    photo = load_photo("coffee").convert("RGB")
    vector, quality = pdqhash.compute(np.asarray(photo))
    signal = Pdq.hash_image(photo)
    assert signal.value == np.packbits(vector.astype(np.uint8)).tobytes().hex()
    assert signal.quality == quality


def test_a_crop_of_the_plane_is_the_plane_of_the_crop() -> None:
    """The letterboxed picture is hashed from a view into the whole plane."""
    photo = load_photo("astronaut").convert("RGB")
    box = (31, 57, 400, 380)
    plane = pdq_math.luma(photo)
    view = plane[box[1] : box[3], box[0] : box[2]]
    assert pdq_math.hashes(view, dihedral=True) == _reference(photo.crop(box))


def test_a_mirror_hashes_as_its_variant() -> None:
    """The variants are the hashes of the turned images, not just the reference's
    formulas copied: each is within a few bits of hashing the turned pixels."""
    photo = load_photo("chelsea").convert("RGB")
    variants, _ = pdq_math.hashes(pdq_math.luma(photo), dihedral=True)
    turns = [
        Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270,
        Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.FLIP_LEFT_RIGHT,
        Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE,
    ]  # fmt: skip
    for turn in turns:
        turned = Pdq.hash_image(photo.transpose(turn)).value
        nearest = min(Pdq.distance(turned, v) for v in variants)
        assert nearest <= 16, turn
