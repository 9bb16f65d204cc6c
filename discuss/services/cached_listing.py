"""The API's listing: the first page of a thread from the listing cache when it can be.

One query reads the site's and thread's state; it answers a conditional request (304) or a
cached first page without touching a comment row. A miss reads the page (two more queries),
renders it once and stores the bytes for the next reader.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from discuss.cache import listing_cache, listing_key
from discuss.errors import NotFound
from discuss.extensions import db
from discuss.models import Site, Thread, thread_closed
from discuss.pool import fetch_one, json_text, origins_column, timestamp_column
from discuss.services.listing import (
    SortOrder,
    ThreadPage,
    birth_stamp,
    decode_cursor,
    page_comments,
    state_tag,
)


@dataclass(frozen=True)
class ListingBody:
    """The API's answer to a listing: the serialised page, or 'not modified'."""

    tag: str
    body: bytes = b""
    not_modified: bool = False
    site_origins: tuple[str, ...] = ()  # read with the state: CORS needs no query of its own


# Built once: constructing a statement costs more than running it on the cached path.
_THREAD_STATE = (
    sa.select(
        Site.id.label("site_id"), Site.settings_version, Site.max_depth, Site.auto_close_days,
        json_text(Site.origins), Thread.id.label("thread_id"), Thread.version, Thread.url,
        Thread.title, Thread.locked, Thread.comment_count, Thread.created_at,
    )
    .select_from(Site)
    .outerjoin(Thread, sa.and_(Thread.site_id == Site.id, Thread.key == sa.bindparam("key")))
    .where(Site.slug == sa.bindparam("slug"))
)


class _ThreadState(NamedTuple):
    """One row of ``_THREAD_STATE``; the thread's columns are None for an unknown thread.
    (A tuple: made on every read, where a frozen dataclass costs several times as much.)"""

    site_id: int
    settings_version: int
    max_depth: int
    auto_close_days: int | None
    origins: tuple[str, ...]
    thread_id: int | None
    version: int | None
    url: str | None
    title: str | None
    locked: bool
    comment_count: int | None
    created_at: datetime | None
    born: str  # ``birth_stamp(created_at)``


def _thread_state(site_slug: str, thread_key: str) -> _ThreadState:
    """Site and thread facts in one query: enough for the tag, the cache key and the header."""
    row = fetch_one(db.engine, _THREAD_STATE, {"slug": site_slug, "key": thread_key})
    if row is None:
        raise NotFound(f"No site named {site_slug!r}.")
    values = list(row)
    values[4] = origins_column(values[4])
    values[9] = bool(values[9])
    values[11:12] = _birth(values[11])  # created_at, and born after it
    return _ThreadState._make(values)


@functools.lru_cache(maxsize=1024)
def _birth(created_at: str | datetime | None) -> tuple[datetime | None, str]:
    """A thread's creation time as the driver gives it, as aware UTC, and its birth stamp:
    made once per thread (every read of its state needs both)."""
    when = timestamp_column(created_at)
    return when, birth_stamp(when)


def _is_closed(state: Any) -> bool:
    """``Thread.is_closed`` on the columns of ``_thread_state``."""
    if state.thread_id is None:
        return False
    return thread_closed(state.locked, state.created_at, state.auto_close_days)


def read_listing(
    site_slug: str,
    thread_key: str,
    render: Callable[[ThreadPage], bytes],
    sort: SortOrder = SortOrder.OLDEST,
    limit: int = 50,
    cursor: str | None = None,
    known_tags: Collection[str] = (),
) -> ListingBody:
    """A page as the API serves it; the first page comes from the listing cache when it can.

    One query answers a current tag (304) or a cached first page; a miss adds the two
    comment queries, renders once with ``render`` and stores the bytes for the next reader.
    The reads run without a transaction (no BEGIN/ROLLBACK round trips): the thread's
    version is read first, so the comments read after it are at least as new as the key
    they are cached under.
    """
    state = _thread_state(site_slug, thread_key)
    closed = _is_closed(state)
    tag = state_tag(state.site_id, state.settings_version, state.thread_id, state.version or 0,
               state.born, closed, sort, limit, cursor or "")
    if tag in known_tags:
        return ListingBody(tag=tag, not_modified=True, site_origins=state.origins)
    if cursor:
        decode_cursor(sort, cursor)
    key = None
    if state.thread_id is not None and not cursor:
        key = listing_key(state.site_id, state.settings_version, state.thread_id,
                          state.version, state.born, sort.value, limit, closed)
        cached = listing_cache().get(key)
        if cached is not None:
            return ListingBody(tag=tag, body=cached, site_origins=state.origins)
    page = ThreadPage(tag=tag, thread_key=thread_key, info={
        "key": thread_key,
        "url": state.url,
        "title": state.title,
        "locked": closed,
        "comment_count": state.comment_count or 0,
    })
    if state.thread_id is not None:
        page.comments, page.next_cursor = page_comments(
            None, state.thread_id, state.max_depth, sort, limit, cursor
        )
    body = render(page)
    if key is not None:
        listing_cache().set(key, body)
    return ListingBody(tag=tag, body=body, site_origins=state.origins)
