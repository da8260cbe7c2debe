"""The HTTP API: the adapter for platforms that call blockfirst from their own
upload and takedown pipelines. ``app.create_api`` builds it; its HMA-compatible
lookups are in ``hma``; clients authenticate with tokens (``core.api_tokens``).

Nothing is imported here, so the CLI can read ``settings`` without the web stack."""

__all__: list[str] = []
