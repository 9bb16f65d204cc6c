"""Reading a thread: a page of top-level comments with their whole reply trees.

Two indexed queries whatever the thread's size (one for the page of roots, one for every
descendant of those roots); the tree is assembled in one pass in Python. The API reads
through ``cached_listing.read_listing``, which answers a conditional request (304) or a
cached first page without touching a comment row.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from discuss.errors import BadRequest
from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Site, Thread
from discuss.pool import fetch_all, timestamp_column
from discuss.services.sites import get_site
from discuss.services.threads import find_thread

MAX_PAGE = 100


class SortOrder(enum.StrEnum):
    """How top-level comments are ordered; replies are always oldest first."""

    OLDEST = "oldest"
    NEWEST = "newest"
    TOP = "top"


@dataclass(slots=True)
class CommentNode:
    """One comment as readers see it, with its replies; a tombstone when withdrawn."""

    id: int
    parent_id: int | None
    depth: int
    status: str
    author: dict[str, str | None]
    html: str
    created_at: datetime
    edited_at: datetime | None
    likes: int
    dislikes: int
    deleted: bool
    replies: list[CommentNode] = field(default_factory=list)
    body: str | None = None


@dataclass
class ThreadPage:
    """A page of a thread, with the tag it is served under."""

    tag: str
    thread: Thread | None = None
    thread_key: str = ""
    comments: list[CommentNode] = field(default_factory=list)
    next_cursor: str | None = None
    info: dict[str, object] | None = None

    @property
    def thread_info(self) -> dict[str, object]:
        """The thread's public state; an article without comments yet is an empty thread."""
        if self.info is not None:
            return self.info
        thread = self.thread
        return {
            "key": self.thread_key,
            "url": thread.url if thread else None,
            "title": thread.title if thread else None,
            "locked": thread.is_closed() if thread else False,
            "comment_count": thread.comment_count if thread else 0,
        }


_APPROVED = CommentStatus.APPROVED


def public_node(comment: Any, depth: int) -> CommentNode:
    """What the public may see of a comment (no email, IP or source)."""
    if comment.status is not _APPROVED:
        return CommentNode(
            id=comment.id, parent_id=comment.parent_id, depth=depth, status="deleted",
            author={"name": None, "url": None, "avatar": ""}, html="",
            created_at=comment.created_at, edited_at=None, likes=0, dislikes=0, deleted=True,
        )
    return CommentNode(
        id=comment.id,
        parent_id=comment.parent_id,
        depth=depth,
        status="approved",
        author={"name": comment.author_name, "url": comment.author_url, "avatar": comment.avatar},
        html=comment.body_html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        likes=comment.likes,
        dislikes=comment.dislikes,
        deleted=False,
    )


def own_node(comment: Comment) -> CommentNode:
    """What the author holding the edit token sees: the source, and held (never 'spam')."""
    status = CommentStatus.PENDING if comment.status is CommentStatus.SPAM else comment.status
    return CommentNode(
        id=comment.id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        status=status.value,
        author={"name": comment.author_name, "url": comment.author_url, "avatar": comment.avatar},
        html=comment.body_html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        likes=comment.likes,
        dislikes=comment.dislikes,
        deleted=comment.status is CommentStatus.DELETED,
        body=comment.body_source,
    )


def _encode_cursor(sort: SortOrder, comment: Any) -> str:
    key: object
    if sort is SortOrder.TOP:
        key = comment.likes - comment.dislikes
    else:
        key = comment.created_at.isoformat()
    raw = json.dumps([sort.value, key, comment.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: SortOrder, cursor: str) -> tuple[object, int]:
    """The position a cursor points after; BadRequest for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, key, last_id = json.loads(raw)
        if kind != sort.value or not isinstance(last_id, int) or isinstance(last_id, bool):
            raise ValueError
        if sort is SortOrder.TOP:
            if not isinstance(key, int) or isinstance(key, bool) or abs(key) > 2**62:
                raise ValueError
            return key, last_id
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:
            raise ValueError
        return moment, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise BadRequest("The cursor is not valid for this listing.") from None


def birth_stamp(created_at: datetime | None) -> str:
    """A thread's birth stamp: tells apart threads that reuse a deleted one's id."""
    return f"{created_at.timestamp():.6f}" if created_at else ""


@functools.lru_cache(maxsize=1024)
def state_tag(site_id: int, settings_version: int, thread_id: int | None, version: int,
              born: str, closed: bool, sort: SortOrder, limit: int, cursor: str) -> str:
    """The page's tag from the site's and thread's state (``page_tag`` for loaded rows).
    Remembered: a popular thread's readers all ask for the same few tags, and hashing one
    cost a 304 more than looking it up."""
    state = f"{thread_id}.{version}.{born}.{int(closed)}" if thread_id is not None else "none"
    raw = f"{site_id}.{settings_version}|{state}|{sort.value}|{limit}|{cursor}"
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def page_tag(site: Site, thread: Thread | None, sort: SortOrder, limit: int, cursor: str) -> str:
    """A tag that changes whenever anything visible on this page may have changed."""
    if thread is None:
        return state_tag(site.id, site.settings_version, None, 0, "", False, sort, limit, cursor)
    return state_tag(site.id, site.settings_version, thread.id, thread.version,
                     birth_stamp(thread.created_at), thread.is_closed(), sort, limit, cursor)


# Only what a reader sees: selecting columns instead of whole entities keeps reads lean.
_PUBLIC_COLUMNS = (
    Comment.id, Comment.parent_id, Comment.depth, Comment.status, Comment.author_name,
    Comment.author_url, Comment.avatar, Comment.body_html, Comment.created_at,
    Comment.edited_at, Comment.likes, Comment.dislikes,
)


@functools.cache
def _roots_statement(sort: SortOrder, after_cursor: bool) -> sa.Select:
    """The page of visible top-level comments, built once per sort (bound: thread, size, cursor).

    A withdrawn top-level comment stays (as a tombstone) while it has a visible reply.
    """
    reply = aliased(Comment)
    has_visible_reply = (
        sa.select(sa.literal(1))
        .where(reply.root_id == Comment.id, reply.status == CommentStatus.APPROVED)
        .exists()
    )
    query = sa.select(*_PUBLIC_COLUMNS).where(
        Comment.thread_id == sa.bindparam("thread_id"),
        Comment.depth == 0,
        sa.or_(Comment.status == CommentStatus.APPROVED, has_visible_reply),
    )
    score = Comment.likes - Comment.dislikes
    if sort is SortOrder.TOP:
        order = (score.desc(), Comment.id.desc())
        position = sa.tuple_(score, Comment.id)
        key = sa.bindparam("cursor_key", type_=sa.Integer())
    else:
        ascending = sort is SortOrder.OLDEST
        order = ((Comment.created_at.asc(), Comment.id.asc()) if ascending
                 else (Comment.created_at.desc(), Comment.id.desc()))
        position = sa.tuple_(Comment.created_at, Comment.id)
        key = sa.bindparam("cursor_key", type_=Comment.created_at.type)
    if after_cursor:
        boundary = sa.tuple_(key, sa.bindparam("cursor_id", type_=sa.Integer()))
        query = query.where(position > boundary if sort is SortOrder.OLDEST
                            else position < boundary)
    return query.order_by(*order).limit(sa.bindparam("page_size", type_=sa.Integer()))


_DESCENDANTS = (
    sa.select(*_PUBLIC_COLUMNS)
    .where(Comment.root_id.in_(sa.bindparam("roots", expanding=True)))
    .order_by(Comment.depth, Comment.created_at, Comment.id)  # parents before their replies
)


def _assemble(roots: list[Any], descendants: list[Any], max_depth: int) -> list[CommentNode]:
    """Build the reply trees in one pass; deep replies hang from the deepest allowed ancestor."""
    nodes: dict[int, CommentNode] = {}
    display_parent: dict[int, int] = {}
    result: list[CommentNode] = []
    for root in roots:
        node = public_node(root, 0)
        nodes[root.id] = node
        result.append(node)
    reordered: set[int] = set()
    for comment in descendants:  # ordered by depth, then age: every parent comes first
        parent = nodes.get(comment.parent_id or -1)
        if parent is None:
            continue
        if parent.depth < max_depth:
            anchor = parent
        else:
            anchor = nodes[display_parent[parent.id]]
            reordered.add(anchor.id)
        node = public_node(comment, anchor.depth + 1)
        nodes[comment.id] = node
        display_parent[comment.id] = anchor.id
        anchor.replies.append(node)
    for node_id in reordered:
        nodes[node_id].replies.sort(key=lambda n: (n.created_at, n.id))
    for node in result:
        _prune(node)
    return [node for node in result if not node.deleted or node.replies]


def _prune(node: CommentNode) -> bool:
    """Drop withdrawn replies that have nothing visible under them; True when node stays."""
    node.replies = [child for child in node.replies if _prune(child)]
    return not node.deleted or bool(node.replies)


class _Row(NamedTuple):
    """A comment row read straight from the driver, in the order of ``_PUBLIC_COLUMNS``."""

    id: int
    parent_id: int | None
    depth: int
    status: CommentStatus
    author_name: str | None
    author_url: str | None
    avatar: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    likes: int
    dislikes: int


_STATUSES = {status.value: status for status in CommentStatus}


def _driver_rows(statement: sa.Select, params: dict[str, Any]) -> list[_Row]:
    """Rows through ``fetch_all``: SQLAlchemy's per-row processing is most of a cold read."""
    return [
        _Row(r[0], r[1], r[2], _STATUSES[r[3]], r[4], r[5], r[6], r[7], timestamp_column(r[8]),
             timestamp_column(r[9]), r[10], r[11])
        for r in fetch_all(db.engine, statement, params)
    ]


def page_comments(
    reader: Any, thread_id: int, max_depth: int, sort: SortOrder, limit: int, cursor: str | None
) -> tuple[list[CommentNode], str | None]:
    """The page's trees and the cursor of the next page: two queries.

    ``reader`` is a session or connection; None reads straight from the driver
    (``pool.fetch_all``).
    """
    params: dict[str, Any] = {"thread_id": thread_id, "page_size": limit + 1}
    if cursor:
        params["cursor_key"], params["cursor_id"] = decode_cursor(sort, cursor)
    statement = _roots_statement(sort, bool(cursor))
    roots = (_driver_rows(statement, params) if reader is None
             else reader.execute(statement, params).all())
    next_cursor = None
    if len(roots) > limit:
        roots = roots[:limit]
        next_cursor = _encode_cursor(sort, roots[-1])
    descendants: list[Any] = []
    if roots:
        ids = {"roots": [r.id for r in roots]}
        descendants = (_driver_rows(_DESCENDANTS, ids) if reader is None
                       else reader.execute(_DESCENDANTS, ids).all())
    return _assemble(roots, descendants, max(max_depth, 1)), next_cursor


def load_thread_page(
    site_slug: str,
    thread_key: str,
    sort: SortOrder = SortOrder.OLDEST,
    limit: int = 50,
    cursor: str | None = None,
) -> ThreadPage:
    """One page of a thread for readers."""
    site = get_site(site_slug)
    thread = find_thread(site, thread_key)
    tag = page_tag(site, thread, sort, limit, cursor or "")
    if cursor:
        decode_cursor(sort, cursor)
    if thread is None:
        return ThreadPage(tag=tag, thread_key=thread_key)
    comments, next_cursor = page_comments(db.session, thread.id, site.max_depth, sort, limit,
                                           cursor)
    return ThreadPage(tag=tag, thread=thread, thread_key=thread_key, comments=comments,
                      next_cursor=next_cursor)
