"""Wiring and entry points: the ``blockfirst`` CLI, configuration, the runnable bots."""

__all__: list[str] = []
