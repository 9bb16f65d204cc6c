"""The one writer every import goes through: threads, comments, tree fields, counts, versions.

Comments are inserted in batches as the file streams by, first as top-level rows; once the
whole file is read, replies are placed under their parents (``parent_id``, ``root_id``,
``depth``) in one bulk update, so parents may come after their replies in the file. Each
touched thread then gets its approved count and version bumped once, as for a posted comment.

A re-run recognises what it imported before: foreign comments carry an ``import_origin``
record among their ``checks`` (shown to moderators like a check's verdict); our own export
is matched on thread, time, author and body, so a restored backup keeps its checks as they were.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import (
    THREAD_KEY_MAX,
    Comment,
    CommentStatus,
    Flag,
    Site,
    Thread,
    Vote,
    utcnow,
)

# the same rules as a posted comment
from discuss.services.comments import avatar_hash, normalised_body_hash
from discuss.services.threads import find_thread, record_change
from discuss.text import markdown_from_html, render_markdown

BATCH_SIZE = 500
_LOAD_BATCH = 2000  # rows read at a time when looking for earlier imports
ORIGIN_FIELD = "import_origin"
_VERDICT_BY_STATUS = {CommentStatus.SPAM: "spam", CommentStatus.PENDING: "unsure"}
_LIMITS = {"author_name": 100, "author_email": 254, "author_url": 500, "author_ip": 45,
           "user_agent": 500}


class Matching(enum.Enum):
    """How a re-run recognises comments that are already there."""

    ORIGIN = "origin"
    CONTENT = "content"


@dataclass
class IncomingThread:
    """An article as the source file describes it; used only when the thread is new."""

    key: str
    url: str | None = None
    title: str | None = None
    created_at: datetime | None = None
    locked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ForeignHtml:
    """A body in another system's HTML; it becomes Markdown only if the comment is written."""

    html: str
    newlines_break: bool = False


@dataclass
class IncomingComment:
    """One comment from a file; ``source_id``/``parent_source_id`` are the file's own ids.

    ``body_html`` None means: render ``body_source`` with ``render_markdown`` when written.
    """

    source_id: str
    parent_source_id: str | None
    status: CommentStatus
    body_source: str | ForeignHtml
    created_at: datetime
    body_html: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    author_ip: str | None = None
    user_agent: str | None = None
    edited_at: datetime | None = None
    likes: int = 0
    dislikes: int = 0
    notify_replies: bool = False
    avatar: str | None = None
    body_hash: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    flag_count: int = 0
    votes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    source: str
    site: str
    dry_run: bool = False
    site_created: bool = False
    threads_created: int = 0
    threads_touched: int = 0
    imported: Counter[str] = field(default_factory=Counter)
    already_present: int = 0
    orphans: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def comments_imported(self) -> int:
        """How many comments were written."""
        return sum(self.imported.values())


@dataclass(slots=True)
class _New:
    thread_id: int
    source_id: str
    parent_source_id: str | None
    approved: bool


Identity = tuple[Any, ...]


class ImportWriter:
    """Collects one file's threads and comments into the site, inside the caller's transaction."""

    def __init__(self, site: Site, source: str, report: ImportReport, matching: Matching) -> None:
        self.site = site
        self.source = source
        self.report = report
        self.matching = matching
        self.thread_ids: dict[str, int | None] = {}
        self.ids: dict[Identity, int] = {}
        self.positions: dict[int, tuple[int, int | None, int]] = {}
        self.identity_of: dict[str, Identity] = {}
        self.buffer: list[tuple[IncomingComment, Identity, dict[str, Any]]] = []
        self.new: dict[int, _New] = {}
        self._load_known()

    def warn(self, message: str) -> None:
        """Note something the operator should know; the import goes on."""
        self.report.warnings.append(message)

    def _load_known(self) -> None:
        base = (sa.select(Comment.id, Comment.thread_id, Comment.root_id, Comment.depth)
                .join(Thread, Thread.id == Comment.thread_id)
                .where(Thread.site_id == self.site.id))
        if self.matching is Matching.ORIGIN:
            query = base.add_columns(Comment.checks).where(
                sa.cast(Comment.checks, sa.Text).like(f'%"{ORIGIN_FIELD}"%'))
            for cid, tid, root, depth, checks in db.session.execute(
                    query.execution_options(yield_per=_LOAD_BATCH)):
                for record in checks or []:
                    origin = record.get(ORIGIN_FIELD) if isinstance(record, dict) else None
                    if isinstance(origin, dict) and origin.get("source") == self.source:
                        self.ids[(tid, str(origin.get("id")))] = cid
                        self.positions[cid] = (tid, root, depth)
        else:
            query = base.add_columns(Comment.created_at, Comment.author_name, Comment.body_hash)
            for cid, tid, root, depth, created, name, body_hash in db.session.execute(
                    query.execution_options(yield_per=_LOAD_BATCH)):
                self.ids[(tid, created.isoformat(), name, body_hash)] = cid
                self.positions[cid] = (tid, root, depth)

    def ensure_thread(self, incoming: IncomingThread, first_seen: datetime | None = None
                      ) -> int | None:
        """Our thread for this article, created on first use; None when the key is unusable."""
        key = incoming.key
        if key in self.thread_ids:
            return self.thread_ids[key]
        thread_id: int | None = None
        if not key or len(key) > THREAD_KEY_MAX or "\x00" in key:
            self.warn(f"thread key {key[:80]!r} is empty or too long; its comments are skipped")
        else:
            thread = find_thread(self.site, key)
            url = incoming.url if incoming.url and len(incoming.url) <= 2048 else None
            title = (incoming.title or "")[:500] or None
            if thread is None:
                thread = Thread(site_id=self.site.id, key=key, url=url, title=title,
                                locked=incoming.locked, comment_count=0, version=1,
                                created_at=incoming.created_at or first_seen or utcnow(),
                                **incoming.extra)
                db.session.add(thread)
                db.session.flush()
                self.report.threads_created += 1
            else:
                thread.url = thread.url or url
                thread.title = thread.title or title
            thread_id = thread.id
        self.thread_ids[key] = thread_id
        return thread_id

    def add(self, thread: IncomingThread, comment: IncomingComment) -> None:
        """Queue one comment of a thread; one already imported is recognised and left alone."""
        thread_id = self.ensure_thread(thread, comment.created_at)
        if thread_id is None:
            self.report.skipped += 1
            return
        if comment.source_id in self.identity_of:
            self.warn(f"comment {comment.source_id} appears twice in the file; kept the first")
            self.report.skipped += 1
            return
        identity = self._identity(thread_id, comment)
        self.identity_of[comment.source_id] = identity
        if identity in self.ids:
            self.report.already_present += 1
            return
        self.ids[identity] = 0  # queued; the real id comes with the batch insert
        self.buffer.append((comment, identity, self._row(thread_id, comment)))
        if len(self.buffer) >= BATCH_SIZE:
            self._flush()

    def _identity(self, thread_id: int, comment: IncomingComment) -> Identity:
        if self.matching is Matching.ORIGIN:
            return (thread_id, comment.source_id)
        body_hash = comment.body_hash
        if body_hash is None:  # our own export always carries it; this is for hand-made files
            source = comment.body_source
            body_hash = normalised_body_hash(source if isinstance(source, str) else source.html)
        return (thread_id, comment.created_at.isoformat(), comment.author_name, body_hash)

    def _row(self, thread_id: int, comment: IncomingComment) -> dict[str, Any]:
        people = {name: (getattr(comment, name) or "")[:limit] or None
                  for name, limit in _LIMITS.items()}
        source = comment.body_source
        if isinstance(source, ForeignHtml):  # the one path: HTML -> our Markdown -> bleach
            source = markdown_from_html(source.html, newlines_break=source.newlines_break)
        checks = list(comment.checks)
        if self.matching is Matching.ORIGIN:
            checks.append({
                "check": "import",
                "verdict": _VERDICT_BY_STATUS.get(comment.status, "ham"),
                "score": 0.0,
                "reason": f"Imported from {self.source} (comment {comment.source_id}), "
                          f"{comment.status.value} there.",
                "trial": False,  # not a check's guess: the source's own decision
                ORIGIN_FIELD: {"source": self.source, "id": comment.source_id},
            })
        row: dict[str, Any] = {
            "thread_id": thread_id, "parent_id": None, "root_id": None, "depth": 0,
            "status": comment.status, **people,
            "avatar": comment.avatar if comment.avatar is not None else avatar_hash(
                people["author_email"], people["author_name"], people["author_ip"]),
            "body_source": source,
            "body_html": comment.body_html if comment.body_html is not None
            else render_markdown(source),
            "body_hash": comment.body_hash if comment.body_hash is not None
            else normalised_body_hash(source),
            "notify_replies": comment.notify_replies, "checks": checks,
            "likes": max(comment.likes, 0), "dislikes": max(comment.dislikes, 0),
            "flag_count": max(comment.flag_count, 0),
            "created_at": comment.created_at, "edited_at": comment.edited_at,
        }
        row.update(comment.extra)
        return row

    def _flush(self) -> None:
        if not self.buffer:
            return
        inserted = db.session.execute(
            sa.insert(Comment).returning(Comment.id, sort_by_parameter_order=True),
            [row for _, _, row in self.buffer],
        ).scalars().all()
        votes: list[dict[str, Any]] = []
        flags: list[dict[str, Any]] = []
        for (comment, identity, row), comment_id in zip(self.buffer, inserted, strict=True):
            self.ids[identity] = comment_id
            approved = comment.status is CommentStatus.APPROVED
            self.new[comment_id] = _New(row["thread_id"], comment.source_id,
                                        comment.parent_source_id, approved)
            self.report.imported[comment.status.value] += 1
            votes.extend({**vote, "comment_id": comment_id} for vote in comment.votes)
            flags.extend({**flag, "comment_id": comment_id} for flag in comment.flags)
        if votes:
            db.session.execute(sa.insert(Vote), votes)
        if flags:
            db.session.execute(sa.insert(Flag), flags)
        self.buffer.clear()

    def _parent(self, comment_id: int, new: _New) -> int | None:
        if new.parent_source_id is None:
            return None
        identity = self.identity_of.get(new.parent_source_id)
        if identity is None and self.matching is Matching.ORIGIN:
            identity = (new.thread_id, new.parent_source_id)
        parent_id = self.ids.get(identity) if identity is not None else None
        if parent_id is None or parent_id == comment_id:
            problem = "is not in the file" if parent_id is None else "is the comment itself"
        else:
            parent_new = self.new.get(parent_id)
            parent_thread = parent_new.thread_id if parent_new else self.positions[parent_id][0]
            if parent_thread == new.thread_id:
                return parent_id
            problem = "is in another thread"
        self.report.orphans += 1
        self.warn(f"comment {new.source_id} answers {new.parent_source_id}, which {problem}; "
                  "imported as a top-level comment")
        return None

    def _place(self) -> list[dict[str, Any]]:
        """Parent, root and depth for every new comment; reply loops are cut with a warning."""
        parent_of = {cid: self._parent(cid, new) for cid, new in self.new.items()}
        for cid in self.new:
            chain: list[int] = []
            on_chain: set[int] = set()
            current = cid
            while current not in self.positions:
                parent = parent_of[current]
                if parent is None:
                    self.positions[current] = (self.new[current].thread_id, None, 0)
                    break
                if current in on_chain:
                    self.warn(f"comment {self.new[current].source_id} is part of a reply loop; "
                              "imported as a top-level comment")
                    self.report.orphans += 1
                    parent_of[current] = None
                    continue
                on_chain.add(current)
                chain.append(current)
                current = parent
            for node in reversed(chain):
                if node not in self.positions:
                    thread_id, root, depth = self.positions[parent_of[node]]
                    self.positions[node] = (thread_id, root or parent_of[node], depth + 1)
        return [
            {"id": cid, "parent_id": parent_of[cid], "root_id": self.positions[cid][1],
             "depth": self.positions[cid][2]}
            for cid in self.new if parent_of[cid] is not None
        ]

    def finish(self) -> None:
        """Write what is queued, place the replies, and update each thread's count and version."""
        self._flush()
        updates = self._place()
        if updates:
            db.session.execute(sa.update(Comment), updates)
        approved = Counter(new.thread_id for new in self.new.values() if new.approved)
        touched = sorted({new.thread_id for new in self.new.values()})
        for thread_id in touched:
            record_change(thread_id, approved[thread_id])
        self.report.threads_touched = len(touched)
