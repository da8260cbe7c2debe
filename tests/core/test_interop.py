"""PDQ interoperability with python-threatexchange, on real photographs.

The bar is recall, not per-image equality: a list hashed by pytx (the way HMA
and ThreatExchange lists are made), imported here, must catch every benign edit
of its originals that pytx itself catches (and it also catches mirrors, which
pytx does not try).
"""

import csv
import io

import pytest
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

from core.bank_lists import import_rows
from core.banks import Bank
from core.formats import ListFormat, read_hash_list
from core.matching.loader import load_matcher
from core.media.hashing import hash_media
from core.model import BankAction
from core.signals import SIGNAL_TYPES
from core.store import SqlStore
from tests.conftest import PHOTO_NAMES, encode
from tests.edits import EDITS

PDQ = SIGNAL_TYPES["pdq"]


def pytx_csv(photos: dict[str, Image.Image]) -> tuple[bytes, dict[str, str]]:
    """A `tx dataset --csv` style list of the photos' pytx PDQ hashes."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ["signal_type", "signal_str", "collab", "category", "tags"])
    writer.writeheader()
    hashes = {}
    for name in PHOTO_NAMES:
        value, quality = pdq_from_bytes(encode(photos[name], quality=90))
        assert quality >= 50
        hashes[name] = value
        writer.writerow(
            {
                "signal_type": "pdq",
                "signal_str": value,
                "collab": "pytx",
                "category": "POSITIVE_CLASS",
                "tags": name,
            }
        )
    return out.getvalue().encode(), hashes


@pytest.fixture(scope="module")
def edited(photos: dict[str, Image.Image]) -> dict[tuple[str, str], bytes]:
    return {
        (name, edit): apply(photos[name]) for name in PHOTO_NAMES for edit, apply in EDITS.items()
    }


async def test_imported_pytx_list_catches_what_pytx_catches(
    store: SqlStore, photos: dict[str, Image.Image], edited: dict[tuple[str, str], bytes]
) -> None:
    data, originals = pytx_csv(photos)
    await store.create_bank(Bank("pytx"))
    report = await import_rows(store, "pytx", read_hash_list(io.BytesIO(data), ListFormat.PYTX_CSV))
    assert report.added == len(PHOTO_NAMES)
    matcher = await load_matcher(store)

    pytx_caught, ours_caught = set(), set()
    for (name, edit), data in edited.items():
        value, _ = pdq_from_bytes(data)
        if PDQ.distance(originals[name], value) <= PDQ.thresholds.act:
            pytx_caught.add((name, edit))
        matches = matcher.match(hash_media(data).queries)
        if any(m.value == originals[name] and m.action is BankAction.DELETE for m in matches):
            ours_caught.add((name, edit))

    assert pytx_caught <= ours_caught, sorted(pytx_caught - ours_caught)
    assert len(pytx_caught) >= 40  # the edits are benign: most are caught at all
    assert {(n, "mirror") for n in PHOTO_NAMES} <= ours_caught


def test_unrelated_photos_never_match_in_the_act_band(photos: dict[str, Image.Image]) -> None:
    hashes = {n: pdq_from_bytes(encode(photos[n]))[0] for n in PHOTO_NAMES}
    for name in PHOTO_NAMES:
        queries = hash_media(encode(photos[name])).queries["pdq"]
        for other in PHOTO_NAMES:
            if other != name:
                nearest = min(PDQ.distance(hashes[other], q) for q in queries)
                assert nearest > PDQ.thresholds.review, (name, other, nearest)
