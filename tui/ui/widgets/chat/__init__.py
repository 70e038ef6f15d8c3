"""The Chat panel and its parts: transcript, messages, input, conversation list."""

from .panel import ChatPanel

__all__ = ["ChatPanel"]
