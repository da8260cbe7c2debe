"""Shared fixtures: real photographs (scikit-image's permissively licensed samples,
loaded from the installed package, never committed) and a real SQLite store."""

import io
from collections.abc import AsyncIterator, Callable, Iterator
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


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'blockfirst.db'}"


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
