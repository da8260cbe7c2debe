"""(i) Peak memory of decoding and hashing one large image, per format.

    python -m bench.bench_memory [--side 7000]

For each format a compressible ``side`` x ``side`` picture is written to a
temporary file; a fresh process reads it, then hashes it with ``hash_media``,
and reports how much its peak RSS grew during the hash. The baseline in the
same run is Pillow alone opening and loading the same file in a fresh process
(the decoded frame, nothing else); the limit column is the estimate that
``MediaLimits.max_decode_mib`` is enforced by (a file over it is refused).
"""

import argparse
import tempfile
from pathlib import Path

from core.media.decode import MediaLimits, decode_cost
from tests.hostile.corpus import big_picture, decode_growth

_MIB = 1024 * 1024
FORMATS = (("PNG", "RGBA"), ("PNG", "I;16"), ("TIFF", "RGB"), ("GIF", "P"), ("WEBP", "RGB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=7000)
    args = parser.parse_args()
    limits = MediaLimits()
    print(f"{args.side}x{args.side} = {args.side**2 / 1e6:.0f} Mpx; peak RSS growth in MiB")
    print(
        f"{'format':<12} {'Pillow load':>11} {'hash_media':>10} {'ratio':>6} {'estimate':>9}  note"
    )
    with tempfile.TemporaryDirectory() as folder:
        for fmt, mode in FORMATS:
            path = Path(folder) / f"big.{fmt.lower()}"
            path.write_bytes(big_picture(fmt, mode, args.side))
            baseline = decode_growth(path, "pillow")[0] // _MIB
            ours, note = decode_growth(path)
            ours //= _MIB
            estimate = decode_cost(fmt, args.side, args.side, limits) // (1024 * 1024)
            ratio = ours / baseline if baseline else float("nan")
            print(
                f"{fmt + ' ' + mode:<12} {baseline:>11} {ours:>10} {ratio:>5.2f}x {estimate:>9}  {note}"
            )


if __name__ == "__main__":
    main()
