"""Shared fixtures: real photographs (scikit-image's permissively licensed samples,
loaded from the installed package, never committed) and a real SQLite store."""

import asyncio
import io
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.store import SqlStore, open_store
from tests.fakes import FakeClock
from tests.pg import PostgresServer, postgres_or_skip

# scikit-image sample photographs (public domain / CC0, see skimage.data docs).
PHOTO_NAMES = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "retina",
    "immunohistochemistry",
    "camera",
    "coins",
    "moon",
)


def load_photo(name: str) -> Image.Image:
    from skimage import data

    pixels = getattr(data, name)()
    return Image.fromarray(np.asarray(pixels)).convert("RGB")


def stereo_pair() -> tuple[Image.Image, Image.Image]:
    from skimage import data

    left, right, _ = data.stereo_motorcycle()
    return Image.fromarray(left), Image.fromarray(right)


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    return {name: load_photo(name) for name in PHOTO_NAMES}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once for the session; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "blockfirst.db"

    async def migrate() -> None:
        async with open_store(f"sqlite:///{path}"):
            pass

    with ThreadPoolExecutor(1) as pool:  # whether or not a loop runs in this thread
        pool.submit(asyncio.run, migrate()).result()
    return path


def copy_of(template: Path, folder: Path) -> str:
    """A store's URL in ``folder``: a copy of ``template`` (already migrated)."""
    target = folder / "blockfirst.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A store already at the current schema (a copy of one migrated once)."""
    return copy_of(sqlite_template, tmp_path)


@pytest.fixture
async def store(db_url: str, clock: FakeClock) -> AsyncIterator[SqlStore]:
    async with open_store(db_url, clock) as opened:
        yield opened


@pytest.fixture
def write_image(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, image: Image.Image, fmt: str = "JPEG", **params: object) -> Path:
        path = tmp_path / name
        path.write_bytes(encode(image, fmt, **params))
        return path

    return write


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the session (see tests/pg.py)."""
    server = PostgresServer(postgres_or_skip())
    server.start()
    yield server
    server.stop()
