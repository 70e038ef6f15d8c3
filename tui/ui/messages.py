"""Messages that cross panels: small dataclasses posted up, handled by the screen or the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ModelChosen(Message):
    """The user picked a model to chat with."""

    model: str


@dataclass
class AnswerFinished(Message):
    """A chat answer ended (any way); the balance may have changed."""

    charged: bool


@dataclass
class ShowPanel(Message):
    """Asks the main screen to show one of its panels."""

    panel: str
