"""(c) Detection quality on real photographs (scikit-image's samples).

    python -m bench.bench_quality [--min-sides 128 256 512]

For each benign edit, the distance from the original's stored hash to the
nearest query hash of the edited copy, per perceptual signal type, and the
recall at each type's act and review thresholds; then the distances between
unrelated photographs and the false positives they give. Last, for PDQ lists
made by python-threatexchange on the full image, the recall of our pipeline at
several decoding sizes against pytx itself (the interoperability bar).
"""

import argparse
import itertools
import statistics

from core.media.decode import MediaLimits
from core.media.hashing import hash_media
from core.model import MediaSignals
from core.signals import SIGNAL_TYPES, PerceptualSignalType
from tests.conftest import PHOTO_NAMES, encode, load_photo, stereo_pair
from tests.edits import EDITS

TYPES = [t for t in SIGNAL_TYPES.values() if issubclass(t, PerceptualSignalType)]
EXTRA_UNRELATED = ("brick", "grass", "gravel", "cell", "horse")


def stored(media: MediaSignals, name: str) -> str:
    return next(s.value for s in media.signals if s.signal_type == name)


def nearest(value: str, media: MediaSignals, name: str) -> int | None:
    kind = SIGNAL_TYPES[name]
    queries = media.queries.get(name, ())
    return min((kind.distance(value, q) for q in queries), default=None)


def edits_table(photos: dict[str, object]) -> None:
    originals = {n: hash_media(encode(p)) for n, p in photos.items()}  # type: ignore[arg-type]
    header = "".join(f" | {t.name:^26}" for t in TYPES)
    print(f"{'edit':<14}{header}")
    print(f"{'':<14}" + " | median  max  act  review   " * len(TYPES))
    for edit, apply in EDITS.items():
        cells = []
        for kind in TYPES:
            distances = []
            for name, photo in photos.items():
                found = nearest(
                    stored(originals[name], kind.name), hash_media(apply(photo)), kind.name
                )  # type: ignore[arg-type]
                distances.append(kind.bits if found is None else found)
            act = sum(d <= kind.thresholds.act for d in distances) / len(distances)
            review = sum(d <= kind.thresholds.review for d in distances) / len(distances)
            cells.append(
                f" | {statistics.median(distances):>6} {max(distances):>4} {act:>4.0%} {review:>6.0%}   "
            )
        print(f"{edit:<14}{''.join(cells)}")
    print(
        "thresholds: "
        + ", ".join(
            f"{t.name} act<={t.thresholds.act} review<={t.thresholds.review}" for t in TYPES
        )
    )


def unrelated_table(photos: dict[str, object]) -> None:
    medias = {n: hash_media(encode(p)) for n, p in photos.items()}  # type: ignore[arg-type]
    pairs = list(itertools.combinations(medias, 2))
    print(f"\nunrelated photographs: {len(medias)} photos, {len(pairs)} pairs")
    for kind in TYPES:
        distances = [
            found
            for a, b in pairs
            if (found := nearest(stored(medias[a], kind.name), medias[b], kind.name)) is not None
        ]
        fp_act = sum(d <= kind.thresholds.act for d in distances)
        fp_review = sum(d <= kind.thresholds.review for d in distances)
        print(
            f"  {kind.name:<6} min {min(distances):>3}  median {statistics.median(distances):>5}  "
            f"false positives: act {fp_act}, review {fp_review}"
        )
    left, right = (hash_media(encode(p)) for p in stereo_pair())
    stereo = {k.name: k.distance(stored(left, k.name), stored(right, k.name)) for k in TYPES}
    print(f"  stereo pair (a different photo of the same scene): {stereo}")


def pytx_recall(photos: dict[str, object], min_sides: list[int]) -> None:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    pdq = SIGNAL_TYPES["pdq"]
    lists = {n: pdq_from_bytes(encode(p, quality=90))[0] for n, p in photos.items()}  # type: ignore[arg-type]
    edited = {(n, e): f(p) for n, p in photos.items() for e, f in EDITS.items()}  # type: ignore[arg-type]
    pytx = {
        k for k, data in edited.items() if pdq.distance(lists[k[0]], pdq_from_bytes(data)[0]) <= 31
    }
    print(
        f"\nPDQ list made by python-threatexchange: pytx itself catches {len(pytx)}/{len(edited)} edits"
    )
    for side in min_sides:
        limits = MediaLimits(min_side=side)
        distances = {
            k: nearest(lists[k[0]], hash_media(data, limits), "pdq") for k, data in edited.items()
        }
        ours = {k for k, d in distances.items() if d is not None and d <= 31}
        missed = sorted(pytx - ours)
        mean = statistics.mean(d for k, d in distances.items() if k in pytx and d is not None)
        print(
            f"  min_side {side:>4}: ours catches {len(ours)}/{len(edited)}, "
            f"misses {len(missed)} that pytx catches {missed[:4]}, mean distance on those {mean:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--min-sides", type=int, nargs="+", default=[128, 256, 512])
    args = parser.parse_args()
    photos = {name: load_photo(name) for name in PHOTO_NAMES}
    edits_table(photos)
    unrelated_table({**photos, **{n: load_photo(n) for n in EXTRA_UNRELATED}})
    pytx_recall(photos, args.min_sides)


if __name__ == "__main__":
    main()
