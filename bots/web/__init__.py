"""The reviewers' web dashboard."""

from bots.web.app import create_app, standalone
from bots.web.context import Services, WebSettings

__all__ = ["Services", "WebSettings", "create_app", "standalone"]
