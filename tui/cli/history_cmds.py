"""`tokendeck history` and `tokendeck export`: stored conversations for scripts."""

from __future__ import annotations

import argparse

from ..base.i18n import _
from ..base.textfmt import approx, number, table
from ..chat.compare_report import comparison_markdown
from ..gateway.errors import ExitCode
from ..store import (
    Database,
    Problem,
    StoreError,
    get_conversation,
    list_conversations,
    messages,
    open_db,
    to_json,
    to_markdown,
)
from ..store.comparisons import load_comparison
from ..store.conversations import last_answers
from .output import dump_json, err, out


def _nothing_yet() -> str:
    return _("No saved conversations yet: chats in the app and `tokendeck chat` are kept.")


def _open() -> Database:
    """The history for reading; a database an older tokendeck made is brought up to this
    version first when it can be written (else reading it would fail until the app ran)."""
    try:
        return open_db(read_only=True)
    except StoreError as exc:
        if exc.problem != Problem.READ_ONLY:
            raise
        db = open_db()  # migrates; raises the same StoreError when it truly cannot write
        if db.read_only:
            db.close()
            raise exc from None
        return db


def run(args: argparse.Namespace) -> int:
    try:
        db = _open()
    except StoreError as exc:
        if exc.problem == Problem.MISSING and args.command == "history":
            if args.json:
                dump_json([])
            else:
                err(_nothing_yet())
            return ExitCode.OK  # nothing stored yet
        err(exc.message)
        return ExitCode.STORE
    try:
        return history(db, args) if args.command == "history" else export(db, args)
    except StoreError as exc:
        err(exc.message)
        return ExitCode.STORE
    finally:
        db.close()


def history(db: Database, args: argparse.Namespace) -> int:
    found = list_conversations(db, args.limit or None)
    if args.json:
        ended = last_answers(db, [c.id for c in found])
        dump_json([
            {"id": c.id, "title": c.title, "pinned": c.pinned, "updated": c.updated,
             "messages": c.message_count, "credits": c.credits,
             "credits_estimated": c.credits_estimated,
             "last_answer": _ending(ended.get(c.id))}
            for c in found
        ])  # fmt: skip
        return ExitCode.OK
    if not found:
        err(_nothing_yet())  # on stderr: a pipe still gets no rows
        return ExitCode.OK
    rows = [
        [str(c.id), ("★ " if c.pinned else "") + (c.title or _("(untitled)")),
         number(c.message_count), c.updated.astimezone().strftime("%Y-%m-%d %H:%M"),
         "" if c.credits is None else "≈" + approx(c.credits) if c.credits_estimated
         else number(c.credits)]
        for c in found
    ]  # fmt: skip
    out(
        table(
            [_("id"), _("title"), _("messages"), _("updated"), _("credits")],
            rows,
            right=[True, False, True, False, True],
            max_width=120,
        )
    )
    return ExitCode.OK


def _ending(ended: tuple[str, str | None, str | None] | None) -> dict[str, str | None] | None:
    """How a conversation's last answer ended (null: no answer yet): status is done, stopped,
    cut, failed, interrupted or streaming; finish_reason the gateway's (length: the token cap,
    content_filter: withheld); error what went wrong."""
    if ended is None:
        return None
    status, finish_reason, error = ended
    return {"status": status, "finish_reason": finish_reason, "error": error}


def export(db: Database, args: argparse.Namespace) -> int:
    record = get_conversation(db, args.id)
    if record is None:
        err(_("no conversation with id {id} (see `tokendeck history`)").format(id=args.id))
        return ExitCode.USAGE
    comparison = load_comparison(db, args.id) if args.format == "md" else None
    if comparison is not None:  # the prompt, a summary table, each model's answer
        text = comparison_markdown(comparison)
    else:
        stored = messages(db, args.id)
        text = to_markdown(record, stored) if args.format == "md" else to_json(record, stored)
    out(text, end="" if text.endswith("\n") else "\n", data=True)
    return ExitCode.OK
