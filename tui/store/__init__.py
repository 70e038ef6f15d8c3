"""SQLite history and usage cache: conversations, messages, drafts, search, usage-log rows,
balance readings (stdlib only, no Textual).

The names below are loaded on first use (PEP 562): a command that needs one table (say
`tokendeck balance` keeping its reading) does not import every module of the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_names

if TYPE_CHECKING:
    from .attachments import attachments_of, blob_count
    from .claims import Claim, sync_claim
    from .conversations import (
        count_conversations,
        create_conversation,
        delete_conversation,
        derive_title,
        get_conversation,
        latest_conversation,
        list_conversations,
        pin_conversation,
        rename_conversation,
        update_settings,
    )
    from .db import Database, is_database_file, open_db, recover_interrupted
    from .drafts import draft_key, load_draft, load_draft_files, save_draft
    from .errors import Problem, StoreError
    from .export import to_json, to_markdown
    from .forks import fork, fork_with_edit
    from .fulltext import search
    from .readings import balance_samples, count_balance_samples, record_balance
    from .records import (
        ConversationRecord,
        ConversationSummary,
        MessageStatus,
        SearchHit,
        StoredAttachment,
        StoredMessage,
        StoredSettings,
    )
    from .transcript import (
        add_message,
        count_messages,
        get_message,
        message_files,
        message_texts,
        messages,
        messages_before,
        messages_tail,
        update_message,
    )
    from .usage import (
        LogRowLike,
        UsageRow,
        complete_id,
        forget_usage,
        last_synced,
        mark_complete,
        newest_id,
        rows_by_reqid,
        rows_near,
        store_pages,
        store_usage,
        usage_models,
        usage_rows,
    )
    from .usage_stats import (
        GROUPINGS,
        Bucket,
        GroupBy,
        Totals,
        balance_series,
        burn_rate,
        count_usage,
        credits_per_token,
        latest_balance,
        oldest_id,
        projected_run_out,
        run_out_date,
        sum_buckets,
        usage_by,
        usage_totals,
    )
    from .writer import StreamWriter

__all__ = [
    "Bucket",
    "Claim",
    "ConversationRecord",
    "ConversationSummary",
    "Database",
    "GROUPINGS",
    "GroupBy",
    "LogRowLike",
    "MessageStatus",
    "Problem",
    "SearchHit",
    "StoreError",
    "StoredAttachment",
    "StoredMessage",
    "StoredSettings",
    "StreamWriter",
    "Totals",
    "UsageRow",
    "add_message",
    "attachments_of",
    "balance_samples",
    "balance_series",
    "blob_count",
    "burn_rate",
    "complete_id",
    "count_balance_samples",
    "count_conversations",
    "count_messages",
    "count_usage",
    "create_conversation",
    "credits_per_token",
    "delete_conversation",
    "derive_title",
    "draft_key",
    "forget_usage",
    "fork",
    "fork_with_edit",
    "get_conversation",
    "get_message",
    "is_database_file",
    "last_synced",
    "latest_balance",
    "latest_conversation",
    "list_conversations",
    "load_draft",
    "load_draft_files",
    "mark_complete",
    "message_files",
    "message_texts",
    "messages",
    "messages_before",
    "messages_tail",
    "newest_id",
    "oldest_id",
    "open_db",
    "pin_conversation",
    "projected_run_out",
    "record_balance",
    "recover_interrupted",
    "rename_conversation",
    "rows_by_reqid",
    "rows_near",
    "run_out_date",
    "save_draft",
    "search",
    "store_pages",
    "store_usage",
    "sync_claim",
    "sum_buckets",
    "to_json",
    "to_markdown",
    "update_message",
    "update_settings",
    "usage_by",
    "usage_models",
    "usage_rows",
    "usage_totals",
]

__getattr__, __dir__ = lazy_names(
    __name__,
    __all__,
    # the light ones first
    ("errors", "db", "readings", "records", "attachments", "drafts", "conversations",
     "transcript", "writer", "usage", "usage_stats", "fulltext", "forks", "export", "claims"),
    globals(),
)  # fmt: skip
