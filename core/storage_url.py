"""The default storage URL, importable without the store's database stack (the
CLI's ``--help`` shows it)."""

__all__ = ["DEFAULT_URL"]

DEFAULT_URL = "sqlite:///blockfirst.db"
