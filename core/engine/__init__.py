"""The engine: the ``Moderator`` façade (``moderator.py``) and its collaborators,
each a plain class given what it needs — where a message's media signals come
from, messages, reports, reviews, the outbox and the performer that carries it
out, chat settings, the standing loops, group commit and the figures kept for
monitoring. The only part of the core that awaits, besides the store.
"""

__all__: list[str] = []
