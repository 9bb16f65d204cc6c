"""What moderators read: the queue by status, a comment's full story, and tab counts.

A page of the queue is a fixed number of queries whatever its size: the comments (with
thread and site joined), their parents, and their flags.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from discuss.errors import BadRequest, NotFound
from discuss.extensions import db
from discuss.models import AuditEvent, Comment, CommentStatus, Flag, Site, Thread
from discuss.services.actors import Actor
from discuss.services.sites import get_site

MAX_PAGE = 100


class QueueStatus(enum.StrEnum):
    """A queue tab: a comment status, or ``flagged`` (reported by readers, still undecided)."""

    PENDING = "pending"
    FLAGGED = "flagged"
    SPAM = "spam"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELETED = "deleted"


class QueueOrder(enum.StrEnum):
    """Oldest first (the default: fair to whoever waited longest) or newest first."""

    OLDEST = "oldest"
    NEWEST = "newest"


@dataclass
class QueueItem:
    """A comment with what a moderator needs to judge it."""

    comment: Comment
    parent: Comment | None = None
    flags: list[Flag] = field(default_factory=list)

    def __getattr__(self, name: str):
        return getattr(self.comment, name)


@dataclass
class QueuePage:
    """One page of a queue tab."""

    items: list[QueueItem]
    next_cursor: str | None
    counts: dict[str, int]


def _status_filter(status: QueueStatus):
    if status is QueueStatus.FLAGGED:
        return sa.and_(Comment.flag_count > 0,
                       Comment.status.in_([CommentStatus.PENDING, CommentStatus.APPROVED]))
    return Comment.status == CommentStatus(status.value)


def _scope(actor: Actor, site_slug: str | None) -> Site | None:
    if not site_slug:
        return None
    site = get_site(site_slug)
    actor.require_site(site)
    return site


def _site_filter(query, actor: Actor, site: Site | None):
    query = query.join(Thread, Thread.id == Comment.thread_id)
    if site is not None:
        return query.where(Thread.site_id == site.id)
    if actor.site_ids is not None:
        return query.where(Thread.site_id.in_(actor.site_ids))
    return query


def _encode(order: QueueOrder, comment: Comment) -> str:
    raw = json.dumps([order.value, comment.created_at.isoformat(), comment.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(order: QueueOrder, cursor: str) -> tuple[datetime, int]:
    try:
        kind, moment, last_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = datetime.fromisoformat(moment)
        if kind != order.value or not isinstance(last_id, int) or when.tzinfo is None:
            raise ValueError
        return when, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise BadRequest("The cursor is not valid for this queue.") from None


def queue_counts(actor: Actor, site: Site | None) -> dict[str, int]:
    """How many comments wait in each tab (two queries)."""
    rows = db.session.execute(
        _site_filter(sa.select(Comment.status, sa.func.count(Comment.id)), actor, site)
        .group_by(Comment.status)
    ).all()
    counts = {status.value: 0 for status in QueueStatus}
    counts.update({status.value: count for status, count in rows})
    counts[QueueStatus.FLAGGED.value] = db.session.execute(
        _site_filter(sa.select(sa.func.count(Comment.id)), actor, site)
        .where(_status_filter(QueueStatus.FLAGGED))
    ).scalar_one()
    return counts


def describe(comments: list[Comment]) -> list[QueueItem]:
    """Parents and flags for a page of comments, one query each."""
    parent_ids = {c.parent_id for c in comments if c.parent_id}
    parents = {p.id: p for p in db.session.execute(
        sa.select(Comment).where(Comment.id.in_(parent_ids))).scalars()} if parent_ids else {}
    flags: dict[int, list[Flag]] = {}
    flagged = [c.id for c in comments if c.flag_count]
    if flagged:
        for flag in db.session.execute(
            sa.select(Flag).where(Flag.comment_id.in_(flagged)).order_by(Flag.id)
        ).scalars():
            flags.setdefault(flag.comment_id, []).append(flag)
    return [QueueItem(comment=c, parent=parents.get(c.parent_id or 0),
                      flags=flags.get(c.id, [])) for c in comments]


def load_queue(
    actor: Actor,
    site_slug: str | None = None,
    status: QueueStatus = QueueStatus.PENDING,
    order: QueueOrder = QueueOrder.OLDEST,
    cursor: str | None = None,
    limit: int = 50,
    with_counts: bool = True,
) -> QueuePage:
    """One page of a tab across the asker's sites, or of one site."""
    site = _scope(actor, site_slug)
    limit = max(1, min(limit, MAX_PAGE))
    query = _site_filter(sa.select(Comment), actor, site).where(_status_filter(status))
    position = sa.tuple_(Comment.created_at, Comment.id)
    if cursor:
        when, last_id = _decode(order, cursor)
        mark = sa.tuple_(sa.literal(when, Comment.created_at.type), sa.literal(last_id))
        query = query.where(position > mark if order is QueueOrder.OLDEST else position < mark)
    if order is QueueOrder.OLDEST:
        query = query.order_by(Comment.created_at.asc(), Comment.id.asc())
    else:
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    comments = list(db.session.execute(query.limit(limit + 1)).unique().scalars())
    next_cursor = _encode(order, comments[limit - 1]) if len(comments) > limit else None
    counts = queue_counts(actor, site) if with_counts else {}
    return QueuePage(items=describe(comments[:limit]), next_cursor=next_cursor, counts=counts)


@dataclass
class CommentStory:
    """A comment's detail page: the comment in context, its history, the author's others."""

    item: QueueItem
    history: list[AuditEvent]
    by_same_author: list[Comment]
    same_ip_count: int


def comment_story(actor: Actor, comment_id: int, others: int = 20) -> CommentStory:
    """Everything a moderator may want before deciding about one comment."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"No comment {comment_id}.")
    actor.require_site(comment.thread.site)
    history = list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.comment_id == comment.id)
        .order_by(AuditEvent.id.desc())
    ).scalars())
    same_author: list[Comment] = []
    if comment.author_email:
        same_author = list(db.session.execute(
            _site_filter(sa.select(Comment), actor, None)
            .where(Comment.author_email == comment.author_email, Comment.id != comment.id)
            .order_by(Comment.created_at.desc()).limit(others)
        ).unique().scalars())
    same_ip = 0
    if comment.author_ip:
        same_ip = db.session.execute(
            _site_filter(sa.select(sa.func.count(Comment.id)), actor, None)
            .where(Comment.author_ip == comment.author_ip, Comment.id != comment.id)
        ).scalar_one()
    return CommentStory(item=describe([comment])[0], history=history,
                        by_same_author=same_author, same_ip_count=same_ip)
