"""Platform-neutral core: signals, matching, banks, policy and storage.

Nothing here imports a chat platform, ``adapters`` or ``bots``.
"""

__all__: list[str] = []
