"""Row codecs give back what they were given."""

from datetime import UTC, datetime

from core.model import Chat, ChatKind, MediaRef, Message, Sender, SenderKind
from core.store.codec import message_from_json, message_json


def test_a_message_round_trips_with_its_server() -> None:
    """A Discord channel's server names whose settings apply; losing it made a restored
    message speak the default language instead of its server's."""
    message = Message(
        Chat("discord", "55", ChatKind.GUILD_CHANNEL, "general", community="7"),
        "9",
        Sender("u1", SenderKind.USER, "alice"),
        text="look",
        media=(MediaRef("photo", "k", "https://cdn.example/a.jpg", "image/jpeg", 10),),
        sent_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert message_from_json(message_json(message)) == message
