"""How fast the CLI starts: `blockfirst --help`, `hash FILE` and `links check URL`.

    python -m bench.bench_cli_start [--runs 7]

Each command is run as a fresh process, as a person types it, and timed wall to
wall; the median of the runs is reported with, measured in the same run, the
floor it cannot go below: Python starting (`python -c pass`) and Python importing
the stack the command needs (click; numpy and Pillow for `hash`;
SQLAlchemy's asyncio engine and aiosqlite for `links check`).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

_PYTHON = sys.executable
_CLI = str(Path(sys.executable).parent / "blockfirst")


def _median(command: list[str], runs: int) -> float:
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def _imports(modules: str) -> list[str]:
    return [_PYTHON, "-c", f"import {modules}"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        Image.effect_noise((640, 480), 60).convert("RGB").save(photo)
        db = f"sqlite:///{tmp}/cli.db"
        subprocess.run([_CLI, "--db", db, "db", "migrate"], check=True, capture_output=True)
        python = _median([_PYTHON, "-c", "pass"], runs)
        rows = [
            ("--help", [_CLI, "--help"], _imports("click")),
            ("hash FILE", [_CLI, "hash", str(photo)], _imports("click, numpy, PIL.Image")),
            (
                "links check URL",
                [_CLI, "--db", db, "links", "check", "https://example.com/a"],
                _imports("click, sqlalchemy.ext.asyncio, aiosqlite"),
            ),
        ]
        print(f"python -c pass: {python * 1000:.0f} ms (median of {runs})")
        for name, command, floor_command in rows:
            took = _median(command, runs)
            floor = _median(floor_command, runs)
            print(
                f"blockfirst {name}: {took * 1000:.0f} ms; its imports alone {floor * 1000:.0f} ms "
                f"({took / floor:.2f}x), {took / python:.1f}x python -c pass"
            )


if __name__ == "__main__":
    main()
