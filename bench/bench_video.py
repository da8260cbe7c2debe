"""Video hashing speed against FFmpeg's own decode-only time, and against real time.

    python -m bench.bench_video [--seconds 30]

A generated 640x360 H.264 clip; vPDQ at one frame a second (through an
in-memory file) against `ffmpeg -i clip -f null -` on the same bytes.
"""

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from core.media.decode import MediaLimits
from core.media.frames import hash_video


def best_of(runs: int, fn: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed"
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        source = "mandelbrot=size=640x360:rate=25"
        subprocess.run(
            [ffmpeg, "-y", "-loglevel", "error", "-t", str(args.seconds), "-f", "lavfi", "-i", source,
             "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)],
            check=True,
        )  # fmt: skip
        data = clip.read_bytes()
        decode = best_of(
            3,
            lambda: subprocess.run(
                [ffmpeg, "-loglevel", "error", "-threads", "1", "-i", str(clip), "-f", "null", "-"],
                check=True,
            ),
        )
        limits = MediaLimits()
        ours = best_of(3, lambda: hash_video(data, limits))
    print(f"{args.seconds} s 640x360 H.264 clip, {len(data) / 1e6:.1f} MB")
    print(f"ffmpeg decode only (1 thread): {decode:.2f} s")
    print(
        f"vPDQ, one frame a second:      {ours:.2f} s ({ours / decode:.2f}x the decode time, {args.seconds / ours:.0f}x real time)"
    )


if __name__ == "__main__":
    main()
