"""(a) Bytes -> all signals, against plain PIL draft decoding of the same bytes.

    python -m bench.bench_hashing [--seconds 3]

The baseline decodes each JPEG the cheapest way PIL can (draft mode to the
same shorter side our pipeline keeps, then RGB); the pipeline does that plus
EXIF orientation, SHA-256, MD5, PDQ (with its dihedral and letterbox query
variants), pHash and dHash. Goal: >= 60 % of the baseline's rate at 1280 px.
"""

import argparse
import io
import time
from collections.abc import Callable

from PIL import Image

from core.media.decode import MediaLimits
from core.media.hashing import hash_media
from tests.conftest import PHOTO_NAMES, encode, load_photo

SIZES = (640, 1280, 2560)


def jpegs(width: int) -> list[bytes]:
    out = []
    for name in PHOTO_NAMES[:6]:
        photo = load_photo(name)
        height = round(photo.height * width / photo.width)
        out.append(encode(photo.resize((width, height), Image.Resampling.LANCZOS), quality=90))
    return out


def draft_decode(data: bytes, side: int) -> None:
    with Image.open(io.BytesIO(data)) as img:
        img.draft("RGB", (side, side))
        img.convert("RGB")


def rate(fn: Callable[[bytes], object], inputs: list[bytes], seconds: float) -> float:
    """Images per second, taking the best of three rounds (the machine is shared)."""
    best = 0.0
    for _ in range(3):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            for data in inputs:
                fn(data)
            done += len(inputs)
        best = max(best, done / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--min-side", type=int, default=MediaLimits().min_side)
    args = parser.parse_args()
    limits = MediaLimits(min_side=args.min_side)
    print(f"min_side={args.min_side}")
    print(f"{'width':>6} {'draft decode/s':>15} {'all signals/s':>14} {'ratio':>7}")
    for width in SIZES:
        inputs = jpegs(width)
        base = rate(lambda data: draft_decode(data, limits.min_side), inputs, args.seconds)
        ours = rate(lambda data: hash_media(data, limits), inputs, args.seconds)
        print(f"{width:>6} {base:>15.1f} {ours:>14.1f} {ours / base:>7.0%}")


if __name__ == "__main__":
    main()
