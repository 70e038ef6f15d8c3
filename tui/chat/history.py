"""Conversations kept on disk for the chat panel: a thin, failure-tolerant face on tui.store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from ..base.i18n import _
from ..gateway import UsageInfo
from ..store import (
    ConversationSummary,
    Database,
    SearchHit,
    StoredAttachment,
    StoredMessage,
    StoreError,
    StreamWriter,
    add_message,
    count_messages,
    create_conversation,
    delete_conversation,
    draft_key,
    fork,
    fork_with_edit,
    get_conversation,
    get_message,
    latest_conversation,
    list_conversations,
    load_draft,
    load_draft_files,
    message_files,
    message_texts,
    messages,
    messages_before,
    messages_tail,
    open_db,
    pin_conversation,
    rename_conversation,
    save_draft,
    search,
    to_json,
    to_markdown,
    update_message,
    update_settings,
)
from ..store.comparisons import (
    StoredComparison,
    continue_with,
    is_comparison,
    load_comparison,
)
from .compare_report import comparison_markdown
from .context import Rows
from .conversation import Conversation, Settings, Status, Turn
from .prompt_input import Attachment

TAIL = 30  # turns mounted when a conversation opens
BATCH = 15  # older turns mounted each time the transcript reaches its top
SLOW_WRITE = 0.01  # seconds: a persistence batch slower than this spaces out the next ones


def _message(db: Database, message_id: int) -> StoredMessage | None:
    return get_message(db, message_id)


def turn_of(message: StoredMessage) -> Turn:
    usage = None
    if message.prompt_tokens is not None or message.completion_tokens is not None:
        prompt, completion = message.prompt_tokens or 0, message.completion_tokens or 0
        usage = UsageInfo(prompt, completion, prompt + completion)
    return Turn(
        role=message.role,
        content=message.content,
        reasoning=message.reasoning,
        model=message.model,
        status=Status(str(message.status)),
        usage=usage,
        request_id=message.request_id,
        finish_reason=message.finish_reason,
        error=message.error,
        id=message.id,
        position=message.position,
        credits=message.credits,
        credits_estimated=message.credits_estimated,
        background=message.background,
        attachments=tuple(attachment_of(a) for a in message.attachments),
    )


def attachment_of(stored: StoredAttachment) -> Attachment:
    return Attachment(stored.name, stored.media_type, stored.data)


class Answer:
    """Persists one streaming answer in batches; a no-op when there is no store."""

    def __init__(
        self,
        writer: StreamWriter | None,
        report: Callable[[StoreError], None],
        unfinished: Callable[[Answer], None] | None = None,
    ) -> None:
        self.writer = writer
        self._report = report
        self._failed = False
        self._unfinished = unfinished  # told when the end could not be written
        self.turn: Turn | None = None

    def content(self, text: str) -> None:
        self._do(lambda w: self._timed(w.append_content, text))

    def _timed(self, append: Callable[[str], bool], text: str) -> None:
        """Append; when a write was slow (each one rewrites the whole row, so a huge answer
        makes them slower and slower), write less often: at most ~10% of the time."""
        started = time.perf_counter()
        if append(text) and self.writer is not None:
            spent = time.perf_counter() - started
            if spent > SLOW_WRITE:
                self.writer.interval = max(self.writer.interval, 10 * spent)
                self.writer.max_bytes = 1 << 62  # by time only from now on

    def reasoning(self, text: str) -> None:
        self._do(lambda w: w.append_reasoning(text))

    def finish(self, turn: Turn) -> None:
        self.turn = turn
        self._do(self._finish)
        if self.writer is not None and not self.writer.finished:
            turn.unsaved = True  # the rest stays in memory: written by History.catch_up
            if self._unfinished is not None:
                self._unfinished(self)

    def _finish(self, writer: StreamWriter) -> None:
        turn = self.turn
        assert turn is not None
        writer.finish(
            str(turn.status), usage=turn.usage, request_id=turn.request_id,
            finish_reason=turn.finish_reason, error=turn.error, credits=turn.credits,
            credits_estimated=turn.credits_estimated,
        )  # fmt: skip

    def retry(self) -> bool:
        """Write the end again (History.catch_up); True once it is written."""
        if self.writer is None or self.turn is None:
            return True
        try:
            self._finish(self.writer)
        except StoreError:
            return False
        self.turn.unsaved = False
        return True

    def _do(self, action: Callable[[StreamWriter], object]) -> None:
        if self.writer is None:
            return
        try:
            action(self.writer)
        except StoreError as exc:
            if not self._failed:  # say it once; the writer keeps the text for a later flush
                self._failed = True
                self._report(exc)


class History:
    """The chat's view of the store. Every failure is reported through `report` and the chat
    goes on in memory: an answer on screen is never lost because the disk is full."""

    def __init__(
        self, db: Database | None, profile: str, report: Callable[[StoreError], None]
    ) -> None:
        self.db = db
        self.profile = profile
        self._report = report
        self._said: set[str] = set()
        self._reader: ThreadPoolExecutor | None = None  # reads off the event loop
        self._reader_db: Database | None = None  # that thread's own connection
        # What could not be written yet (a full disk, a database busy too long), kept in
        # memory and written by catch_up once writing works again, in the order it happened.
        self._unsaved: list[Conversation] = []  # conversations with turns that have no row
        self._unfinished: list[Answer] = []  # answers whose end is not written

    def report(self, error: StoreError) -> None:
        """Tell the user about a store problem, each distinct one once (not per operation)."""
        if error.message not in self._said:
            self._said.add(error.message)
            self._report(error)

    @classmethod
    def open(cls, profile: str, report: Callable[[StoreError], None]) -> History:
        try:
            db: Database | None = open_db()
        except StoreError as exc:
            report(exc)
            db = None
        return cls(db, profile, report)

    @property
    def available(self) -> bool:
        return self.db is not None

    @property
    def writable(self) -> bool:
        return self.db is not None and not self.db.read_only

    def _guard(self, action: Callable[[Database], Any], default: Any = None) -> Any:
        if self.db is None:
            return default
        try:
            return action(self.db)
        except StoreError as exc:
            self.report(exc)
            return default

    def refresh_costs(self, turns: list[Turn]) -> None:
        """Read back the credits the store now knows for these turns."""
        for turn in turns:
            if turn.id is None or self.db is None:
                continue
            stored: StoredMessage | None = self._guard(partial(_message, message_id=turn.id))
            if stored is not None:
                turn.credits, turn.credits_estimated = stored.credits, stored.credits_estimated

    def close(self) -> None:
        if self._reader is not None:
            self._reader.submit(self._close_reader)
            self._reader.shutdown(wait=False)
            self._reader = None
        if self.db is not None:
            self.db.close()

    # ---- reading off the event loop --------------------------------------------------

    async def texts_before(self, conversation_id: int, position: int) -> Rows | None:
        """(position, role, content) of the stored messages with text before `position`, read
        by a thread with a connection of its own (a long conversation's ~1 MB must not hold
        the screen); None when there is no store or it failed (said once)."""
        if self.db is None:
            return None
        if self._reader is None:
            self._reader = ThreadPoolExecutor(1, thread_name_prefix="history-read")
        work = self._reader.submit(self._read_texts, conversation_id, position)
        try:
            return await asyncio.wrap_future(work)
        except StoreError as exc:
            self.report(exc)
            return None

    def _read_texts(self, conversation_id: int, position: int) -> Rows:
        assert self.db is not None  # in the reader thread
        if self._reader_db is None:
            self._reader_db = open_db(self.db.path, recover=False)
        rows = message_texts(self._reader_db, conversation_id, position)
        files = message_files(self._reader_db, conversation_id, position)
        found: Rows = []
        for p, role, text in rows:
            if p in files:
                found.append((p, role, text, tuple(attachment_of(a) for a in files[p])))
            else:
                found.append((p, role, text))
        return found

    def _close_reader(self) -> None:
        if self._reader_db is not None:
            self._reader_db.close()
            self._reader_db = None

    # ---- conversations ---------------------------------------------------------------

    def profile_of(self, conversation_id: int) -> str | None:
        """The profile a stored conversation was started with."""
        record = self._guard(lambda db: get_conversation(db, conversation_id))
        return None if record is None else record.profile

    def latest(self, profile: str | None = None) -> int | None:
        """The conversation updated last (what `tokendeck chat -c` continues), of `profile`
        when one is named."""
        found: int | None = self._guard(lambda db: latest_conversation(db, profile))
        return found

    def summaries(self, limit: int = 200) -> list[ConversationSummary]:
        result: list[ConversationSummary] = self._guard(
            lambda db: list_conversations(db, limit), []
        )
        return result

    def load(self, conversation_id: int, tail: int = TAIL) -> Conversation | None:
        def read(db: Database) -> Conversation | None:
            record = get_conversation(db, conversation_id)
            if record is None:
                return None
            s = record.settings
            settings = Settings(s.model, s.system, s.temperature, s.top_p, s.max_tokens, s.stop)
            stored = messages_tail(db, conversation_id, tail)
            total = count_messages(db, conversation_id)
            return Conversation(
                settings,
                [turn_of(m) for m in stored],
                record.title,
                conversation_id,
                earlier=total - len(stored),
            )

        result: Conversation | None = self._guard(read)
        return result

    def load_all(self, conversation_id: int) -> Conversation | None:
        return self.load(conversation_id, tail=1_000_000_000)

    def older(self, conversation: Conversation, limit: int = BATCH) -> list[Turn]:
        """Up to `limit` stored turns before the first loaded one (oldest first)."""
        first = conversation.turns[0].position if conversation.turns else None
        if conversation.id is None or first is None or conversation.earlier <= 0:
            return []
        cid = conversation.id
        found: list[StoredMessage] = self._guard(
            lambda db: messages_before(db, cid, first, limit), []
        )
        turns = [turn_of(m) for m in found]
        conversation.turns[:0] = turns
        conversation.earlier = max(0, conversation.earlier - len(turns))
        return turns

    def _stored(self, conversation: Conversation) -> int | None:
        if conversation.id is None:
            settings = conversation.settings
            conversation.id = self._guard(
                lambda db: create_conversation(db, settings, self.profile)
            )
        return conversation.id

    # ---- what could not be written yet -----------------------------------------------

    @property
    def backlog(self) -> int:
        """Turns kept in memory that the store has not taken yet."""
        turns = sum(1 for c in self._unsaved for t in c.turns if t.unsaved)
        return turns + len(self._unfinished)

    def _keep(self, conversation: Conversation, turn: Turn) -> None:
        """`turn` has no row: keep it (and every later turn of its conversation) for catch_up.
        Only while writing may work again: with no store, or a read-only or damaged one, the
        notification already said that nothing is saved."""
        if self.writable and self.db is not None and self.db.damaged is None:
            turn.unsaved = True
            if conversation not in self._unsaved:
                self._unsaved.append(conversation)

    def _unfinished_answer(self, answer: Answer) -> None:
        if answer not in self._unfinished:
            self._unfinished.append(answer)

    def catch_up(self) -> list[Turn]:
        """Write what was kept in memory, oldest first; the turns now saved. Stops at the first
        failure (said once, like every store problem), keeping the rest for the next try."""
        saved: list[Turn] = []
        if self.db is None:
            return saved
        for answer in list(self._unfinished):
            if not answer.retry():
                return saved
            self._unfinished.remove(answer)
            if answer.turn is not None:
                saved.append(answer.turn)
        for conversation in list(self._unsaved):
            if not self._write_missing(conversation, saved):
                return saved
            self._unsaved.remove(conversation)
        return saved

    def _write_missing(self, conversation: Conversation, saved: list[Turn]) -> bool:
        """Give each turn of `conversation` without a row one, in order (an answer still
        streaming waits for its end); False when the store refused one."""
        db = self.db
        assert db is not None
        try:
            if conversation.id is None:
                conversation.id = create_conversation(db, conversation.settings, self.profile)
            for turn in conversation.turns:
                if turn.id is not None:
                    continue
                if turn.status is Status.STREAMING:
                    return False  # kept until its end: the next catch_up writes it
                usage = turn.usage
                turn.id = add_message(
                    db, conversation.id, turn.role, turn.content, reasoning=turn.reasoning,
                    model=turn.model, status=str(turn.status),
                    prompt_tokens=usage.prompt_tokens if usage else None,
                    completion_tokens=usage.completion_tokens if usage else None,
                    credits=turn.credits, credits_estimated=turn.credits_estimated,
                    request_id=turn.request_id, finish_reason=turn.finish_reason,
                    error=turn.error, attachments=turn.attachments,
                )  # fmt: skip
                turn.position = self._position(turn.id)
                turn.unsaved = False
                saved.append(turn)
        except StoreError as exc:
            self.report(exc)
            return False
        return True

    def _behind(self, conversation: Conversation) -> bool:
        """Whether earlier turns of `conversation` still wait for the store (a new turn then
        waits too: rows are written in the conversation's order)."""
        if conversation in self._unsaved:
            self.catch_up()
        return conversation in self._unsaved

    def add_user(self, conversation: Conversation, turn: Turn) -> None:
        if self._behind(conversation):
            self._keep(conversation, turn)
            return
        cid = self._stored(conversation)
        if cid is not None:
            turn.id = self._guard(
                lambda db: add_message(db, cid, "user", turn.content, attachments=turn.attachments)
            )
            turn.position = self._position(turn.id)
        if turn.id is None:
            self._keep(conversation, turn)

    def _position(self, message_id: int | None) -> int | None:
        if message_id is None or self.db is None:
            return None
        row = self._guard(
            lambda db: db.query_one("SELECT position FROM messages WHERE id = ?", (message_id,))
        )
        return None if row is None else int(row[0])

    def start_answer(
        self, conversation: Conversation, turn: Turn, params: dict[str, Any], **options: Any
    ) -> Answer:
        """The writer for a new answer (or for re-answering `turn` in place when it has an id)."""
        if self._behind(conversation):
            self._keep(conversation, turn)
            return Answer(None, self.report)
        cid = self._stored(conversation)
        if cid is None:
            self._keep(conversation, turn)
            return Answer(None, self.report)
        if turn.id is not None:
            message_id = turn.id
            self._guard(lambda db: update_message(
                db, message_id, content="", reasoning="", status="streaming", error=None,
                finish_reason=None, request_id=None, prompt_tokens=None,
                completion_tokens=None, model=turn.model,
            ))  # fmt: skip
            writer: StreamWriter | None = StreamWriter(self.db, message_id, **options)  # type: ignore[arg-type]
        else:
            writer = self._guard(
                lambda db: StreamWriter.start(db, cid, model=turn.model, params=params, **options)
            )
            if writer is not None:
                turn.id = writer.message_id
                turn.position = self._position(turn.id)
            else:
                self._keep(conversation, turn)
        return Answer(writer, self.report, self._unfinished_answer)

    def mark_background(self, turn: Turn) -> None:
        """Note on a stored answer that it finished after the terminal went away."""
        turn.background = True
        message_id = turn.id
        if message_id is not None:
            self._guard(lambda db: update_message(db, message_id, background=True))

    def save_settings(self, conversation: Conversation) -> None:
        if conversation.id is not None:
            cid, settings = conversation.id, conversation.settings
            self._guard(lambda db: update_settings(db, cid, settings))

    def rename(self, conversation_id: int, title: str) -> None:
        self._guard(lambda db: rename_conversation(db, conversation_id, title))

    def pin(self, conversation_id: int, pinned: bool) -> None:
        self._guard(lambda db: pin_conversation(db, conversation_id, pinned))

    def delete(self, conversation_id: int) -> None:
        self._guard(lambda db: delete_conversation(db, conversation_id))

    def fork(self, conversation: Conversation, turn: Turn) -> int | None:
        if conversation.id is None or turn.id is None:
            return None
        cid, mid = conversation.id, turn.id
        result: int | None = self._guard(lambda db: fork(db, cid, mid))
        return result

    def fork_with_edit(self, conversation: Conversation, turn: Turn, text: str) -> int | None:
        if conversation.id is None or turn.id is None:
            return None
        cid, mid = conversation.id, turn.id
        result: int | None = self._guard(lambda db: fork_with_edit(db, cid, mid, text))
        return result

    def comparison(self, conversation_id: int) -> StoredComparison | None:
        """The comparison stored as `conversation_id`; None if it is a plain conversation."""
        found: StoredComparison | None = self._guard(
            lambda db: load_comparison(db, conversation_id)
            if is_comparison(db, conversation_id)
            else None
        )
        return found

    def continue_with(
        self, conversation: Conversation, comparison_id: int | None, message_id: int | None
    ) -> Conversation | None:
        """A comparison's winner: its prompt and answer appended to `conversation` (stored
        now if it was not yet), read back; None without a history."""
        cid = self._stored(conversation)
        if cid is None or comparison_id is None or message_id is None:
            return None
        done = self._guard(lambda db: continue_with(db, comparison_id, message_id, cid))
        return None if done is None else self.load(cid)

    # ---- drafts, search, export ------------------------------------------------------

    def draft(self, conversation_id: int | None) -> str:
        text: str = self._guard(lambda db: load_draft(db, draft_key(conversation_id)), "")
        return text

    def draft_files(self, conversation_id: int | None) -> list[Attachment]:
        """The files waiting with the conversation's draft."""
        found = self._guard(lambda db: load_draft_files(db, draft_key(conversation_id)), [])
        return [attachment_of(stored) for stored in found]

    def save_draft(
        self, conversation_id: int | None, text: str, files: Sequence[Attachment] | None = None
    ) -> None:
        """Keep the draft's text and, unless `files` is None, the files waiting with it."""
        if self.writable:
            self._guard(lambda db: save_draft(db, draft_key(conversation_id), text, files))

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        hits: list[SearchHit] = self._guard(lambda db: search(db, query, limit), [])
        return hits

    def export(self, conversation_id: int, fmt: str) -> str | None:
        def build(db: Database) -> str | None:
            record = get_conversation(db, conversation_id)
            if record is None:
                return None
            comparison = load_comparison(db, conversation_id) if fmt == "md" else None
            if comparison is not None:  # the prompt, a summary table, each model's answer
                return comparison_markdown(comparison)
            stored = messages(db, conversation_id)
            return to_markdown(record, stored) if fmt == "md" else to_json(record, stored)

        text: str | None = self._guard(build)
        return text


def describe(error: StoreError) -> str:
    return _("History: {problem}").format(problem=error.message)
