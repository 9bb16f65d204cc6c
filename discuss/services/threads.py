"""Threads: finding them, creating them on first comment, and recording visible change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from discuss.extensions import db
from discuss.models import Site, SiteSnapshot, Thread, thread_closed, utcnow
from discuss.pool import read_before_first_write, timestamp_column

# Statements of the posting path, built once: building one costs more than running it.
# The caller holds the site already: the thread's ``site`` comes from the session's identity
# map when read, instead of being joined and loaded again with every lookup.
_BY_KEY = (sa.select(Thread)
           .where(Thread.site_id == sa.bindparam("site_id"), Thread.key == sa.bindparam("key"))
           .options(lazyload(Thread.site)))
_THREADS = Thread.__table__
_BUMP = (
    sa.update(_THREADS)
    .where(_THREADS.c.id == sa.bindparam("changed_id"))
    .values(version=_THREADS.c.version + 1,
            comment_count=_THREADS.c.comment_count + sa.bindparam("delta", type_=sa.Integer))
)


def find_thread(site: Site | SiteSnapshot, key: str) -> Thread | None:
    """The thread of this article, if it has one yet."""
    return db.session.execute(_BY_KEY, {"site_id": site.id, "key": key}).scalar_one_or_none()


@dataclass(frozen=True)
class ThreadFacts:
    """What a new comment needs of its thread, read without loading the entity."""

    id: int
    url: str | None
    locked: bool
    created_at: datetime

    def is_closed(self, site: Site | SiteSnapshot) -> bool:
        """``Thread.is_closed``; the site is the caller's already."""
        return thread_closed(self.locked, self.created_at, site.auto_close_days)


_FACTS_BY_KEY = sa.select(Thread.id, Thread.url, Thread.locked, Thread.created_at).where(
    Thread.site_id == sa.bindparam("site_id"), Thread.key == sa.bindparam("key"))


def find_thread_facts(site: Site | SiteSnapshot, key: str) -> ThreadFacts | None:
    """``find_thread``'s row as ``ThreadFacts``, for a read before the request's first write
    (``pool.read_before_first_write``): every comment posted asks, and needs no entity."""
    rows = read_before_first_write(db.engine, db.session, _FACTS_BY_KEY,
                                   {"site_id": site.id, "key": key}, first_only=True)
    if not rows:
        return None
    thread_id, url, locked, created_at = rows[0]
    return ThreadFacts(thread_id, url, bool(locked), timestamp_column(created_at))


def ensure_thread(site: Site, key: str, url: str | None, title: str | None) -> Thread:
    """The thread for ``key``, created if needed; safe when two first comments race."""
    thread = find_thread(site, key)
    if thread is not None:
        if (url and not thread.url) or (title and not thread.title):
            thread.url = thread.url or url
            thread.title = thread.title or title
        return thread
    return create_thread(site, key, url, title)


def create_thread(site: Site | SiteSnapshot, key: str, url: str | None,
                  title: str | None) -> Thread:
    """The thread for ``key``, for a caller that just found none: added unless another
    request added it meanwhile, then read."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Thread)
        .values(site_id=site.id, key=key, url=url, title=title, locked=False,
                comment_count=0, version=1, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["site_id", "key"])
    )
    thread = find_thread(site, key)
    assert thread is not None
    return thread


def record_change(thread_id: int, approved_delta: int = 0) -> None:
    """Bump the thread's version (its ETag) and adjust its approved count in SQL."""
    # Pending changes first, as the ORM's own UPDATE would (rows stay locked in one order);
    # then plain SQL on the session's connection: loaded Thread objects are not updated.
    db.session.flush()
    db.session.connection().execute(*change_step(thread_id, approved_delta))


def recording_change(statement: sa.Insert) -> sa.Insert:
    """``statement`` that also does what ``record_change`` does, as a data-modifying ``WITH``
    (PostgreSQL only): one statement, one round trip, atomic by itself. Its parameters add
    ``change_parameters``."""
    return statement.add_cte(_BUMP.cte("recorded_change"))


def change_parameters(thread_id: int, approved_delta: int) -> dict[str, int]:
    """The parameters of a thread's change, for ``record_change`` or ``recording_change``."""
    return {"changed_id": thread_id, "delta": approved_delta}


def change_step(thread_id: int, approved_delta: int) -> tuple[sa.Update, dict[str, int]]:
    """``record_change`` as a statement and its parameters, for ``pool.write_alone``."""
    return _BUMP, change_parameters(thread_id, approved_delta)
