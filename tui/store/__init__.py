"""SQLite history: conversations, messages, drafts and search (stdlib only, no Textual)."""

from .conversations import (
    count_conversations,
    create_conversation,
    delete_conversation,
    derive_title,
    get_conversation,
    list_conversations,
    pin_conversation,
    rename_conversation,
    update_settings,
)
from .db import Database, open_db
from .drafts import draft_key, load_draft, save_draft
from .errors import Problem, StoreError
from .export import to_json, to_markdown
from .forks import fork, fork_with_edit
from .fulltext import search
from .records import (
    ConversationRecord,
    ConversationSummary,
    MessageStatus,
    SearchHit,
    StoredMessage,
    StoredSettings,
)
from .transcript import (
    add_message,
    count_messages,
    get_message,
    messages,
    messages_before,
    messages_tail,
    update_message,
)
from .writer import StreamWriter, recover_interrupted

__all__ = [
    "ConversationRecord",
    "ConversationSummary",
    "Database",
    "MessageStatus",
    "Problem",
    "SearchHit",
    "StoreError",
    "StoredMessage",
    "StoredSettings",
    "StreamWriter",
    "add_message",
    "count_conversations",
    "count_messages",
    "create_conversation",
    "delete_conversation",
    "derive_title",
    "draft_key",
    "fork",
    "fork_with_edit",
    "get_conversation",
    "get_message",
    "list_conversations",
    "load_draft",
    "messages",
    "messages_before",
    "messages_tail",
    "open_db",
    "pin_conversation",
    "recover_interrupted",
    "rename_conversation",
    "save_draft",
    "search",
    "to_json",
    "to_markdown",
    "update_message",
    "update_settings",
]
