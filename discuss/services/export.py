"""A site's full backup as JSON: settings, threads, and comments with every stored field.

The export is the operator's backup, so it holds personal data (emails, IPs), checks as
stored, the site's bans and what its learning spam checks have learnt; ``discuss import
discuss`` reads it back. Fields are taken from the models' columns, so a column added later
is exported and restored without touching this module. Comments keep their export ``id``
and ``parent_id`` so replies find their parents again on import.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from discuss.extensions import db
from discuss.models import Ban, Comment, Flag, SpamToken, Thread, Vote
from discuss.models.base import UTCDateTime
from discuss.services.sites import get_site

FORMAT = "discuss-export"
VERSION = 1
SITE_SKIP = frozenset({"id"})
THREAD_SKIP = frozenset({"id", "site_id", "version"})
COMMENT_SKIP = frozenset({"thread_id"})
CHILD_SKIP = frozenset({"id", "comment_id"})
SITE_ROW_SKIP = frozenset({"id", "site_id"})
SITE_ROWS: dict[str, type[SpamToken] | type[Ban]] = {"spam_tokens": SpamToken, "bans": Ban}
_THREADS_PER_QUERY = 200
_COMMENTS_PER_QUERY = 1000
_SITE_ROWS_PER_QUERY = 5000


def columns(model: type) -> dict[str, sa.Column]:
    """A model's columns by attribute name, in declaration order."""
    return {attr.key: attr.columns[0] for attr in sa.inspect(model).column_attrs}


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def to_json(row: Any, skip: frozenset[str]) -> dict[str, Any]:
    """Every column of a row as JSON-ready values (times in RFC 3339 UTC, enums as values)."""
    return {key: _dump(getattr(row, key)) for key in columns(type(row)) if key not in skip}


def _load(column: sa.Column, value: Any, where: str) -> Any:
    kind = column.type
    if value is None:
        if column.nullable:
            return None
        raise ValueError(f"{where} must not be null")
    if isinstance(kind, UTCDateTime):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"{where} must be a time with a UTC offset, not {value!r}")
        return moment.astimezone(UTC)
    if isinstance(kind, sa.Enum):
        allowed = [member.value for member in kind.enum_class]
        if value not in allowed:
            raise ValueError(f"{where} must be one of {', '.join(allowed)}, not {value!r}")
        return kind.enum_class(value)
    if isinstance(kind, sa.JSON):
        if not isinstance(value, list | dict):
            raise ValueError(f"{where} must be a list or an object")
        return value
    if isinstance(kind, sa.Boolean):
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false")
        return value
    if isinstance(kind, sa.Integer):
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**62:
            raise ValueError(f"{where} must be an integer")
        return value
    if isinstance(kind, sa.String):
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(f"{where} must be text")
        if kind.length is not None and len(value) > kind.length:
            raise ValueError(f"{where} must be at most {kind.length} characters")
        return value
    return value


def from_json(model: type, data: Any, skip: frozenset[str], where: str,
              required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Column values from an export record, checked against the model; ValueError says where."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be an object")
    known = {key: column for key, column in columns(model).items() if key not in skip}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{where} has unknown field(s): {', '.join(unknown)}")
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    return {key: _load(known[key], value, f"{where}.{key}") for key, value in data.items()}


def _children(model: type[Vote] | type[Flag], comment_ids: list[int]) -> dict[int, list[Any]]:
    rows = db.session.execute(
        sa.select(model).where(model.comment_id.in_(comment_ids))
        .order_by(model.comment_id, model.id)
    ).scalars()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.comment_id].append(to_json(row, CHILD_SKIP))
    return grouped


def _comment_records(thread_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(thread id, record) for every comment of these threads, a bounded page at a time."""
    last = (0, 0)
    while True:
        page = db.session.execute(
            sa.select(Comment).options(lazyload(Comment.thread))
            .where(Comment.thread_id.in_(thread_ids),
                   sa.tuple_(Comment.thread_id, Comment.id) > sa.tuple_(*last))
            .order_by(Comment.thread_id, Comment.id).limit(_COMMENTS_PER_QUERY)
        ).scalars().all()
        if not page:
            return
        last = (page[-1].thread_id, page[-1].id)
        ids = [comment.id for comment in page]
        votes, flags = _children(Vote, ids), _children(Flag, ids)
        records = [(comment.thread_id, {**to_json(comment, COMMENT_SKIP),
                                        "votes": votes.get(comment.id, []),
                                        "flags": flags.get(comment.id, [])})
                   for comment in page]
        db.session.expunge_all()  # memory stays flat however big the site
        yield from records


def _site_rows(model: type[SpamToken] | type[Ban], site_id: int) -> Iterator[str]:
    """One site-wide table's rows for this site (learnt spam data, bans), in bounded pages."""
    last_id = 0
    separator = ""
    while True:
        rows = db.session.execute(
            sa.select(model).where(model.site_id == site_id, model.id > last_id)
            .order_by(model.id).limit(_SITE_ROWS_PER_QUERY)
        ).scalars().all()
        if not rows:
            return
        last_id = rows[-1].id
        yield separator + ",\n".join(json.dumps(to_json(row, SITE_ROW_SKIP), ensure_ascii=False)
                                     for row in rows)
        separator = ",\n"
        db.session.expunge_all()


def _thread_chunks(site_id: int) -> Iterator[str]:
    """Each thread as one JSON line, written as its comments stream by."""
    last_id = 0
    separator = "\n"
    while True:
        threads = db.session.execute(
            sa.select(Thread).where(Thread.site_id == site_id, Thread.id > last_id)
            .order_by(Thread.id).limit(_THREADS_PER_QUERY)
        ).scalars().all()
        if not threads:
            return
        last_id = threads[-1].id
        heads = [(thread.id, json.dumps(to_json(thread, THREAD_SKIP), ensure_ascii=False))
                 for thread in threads]
        comments = _comment_records([thread_id for thread_id, _ in heads])
        pending = next(comments, None)
        for thread_id, head in heads:
            yield f'{separator}{head[:-1]}, "comments": ['
            separator, between = ",\n", ""
            while pending is not None and pending[0] == thread_id:
                yield between + json.dumps(pending[1], ensure_ascii=False)
                between = ", "
                pending = next(comments, None)
            yield "]}"


def export_site(slug: str) -> Iterator[str]:
    """The site's backup as JSON text in pieces (a thread per line), read in one snapshot."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        site = get_site(slug)
        yield (f'{{"format": "{FORMAT}", "version": {VERSION},\n"site": '
               f"{json.dumps(to_json(site, SITE_SKIP), ensure_ascii=False)},\n")
        site_id = site.id
        for member, model in SITE_ROWS.items():
            yield f'"{member}": [\n'
            yield from _site_rows(model, site_id)
            yield "],\n"
        yield '"threads": ['
        yield from _thread_chunks(site_id)
        yield "\n]}\n"
    finally:
        db.session.rollback()
