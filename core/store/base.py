"""What the SQL table groups share."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from core.errors import StorageError

__all__ = ["storage_errors"]


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Translate driver errors into ``StorageError`` at the store's boundary."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(f"{what} failed: {exc.__class__.__name__}: {exc}") from exc
