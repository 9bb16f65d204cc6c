"""A site's full backup as JSON: settings, threads, and comments with every stored field.

The export is the operator's backup, so it holds personal data (emails, IPs) and checks as
stored; ``discuss import discuss`` reads it back. Fields are taken from the models' columns,
so a column added later is exported and restored without touching this module. Comments keep
their export ``id`` and ``parent_id`` so replies find their parents again on import.
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
from discuss.models import Comment, Flag, Site, Thread, Vote
from discuss.models.base import UTCDateTime
from discuss.services.sites import get_site

FORMAT = "discuss-export"
VERSION = 1
SITE_SKIP = frozenset({"id"})
THREAD_SKIP = frozenset({"id", "site_id", "version"})
COMMENT_SKIP = frozenset({"thread_id"})
CHILD_SKIP = frozenset({"id", "comment_id"})
_THREADS_PER_QUERY = 200


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


def _children(model: type[Vote] | type[Flag], thread_ids: list[int]) -> dict[int, list[Any]]:
    rows = db.session.execute(
        sa.select(model).join(Comment, Comment.id == model.comment_id)
        .where(Comment.thread_id.in_(thread_ids)).order_by(model.comment_id, model.id)
    ).scalars()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.comment_id].append(to_json(row, CHILD_SKIP))
    return grouped


def _thread_records(site: Site) -> Iterator[dict[str, Any]]:
    last_id = 0
    while True:
        threads = db.session.execute(
            sa.select(Thread).where(Thread.site_id == site.id, Thread.id > last_id)
            .order_by(Thread.id).limit(_THREADS_PER_QUERY)
        ).scalars().all()
        if not threads:
            return
        last_id = threads[-1].id
        ids = [thread.id for thread in threads]
        comments: dict[int, list[dict[str, Any]]] = defaultdict(list)
        votes, flags = _children(Vote, ids), _children(Flag, ids)
        for comment in db.session.execute(
            sa.select(Comment).options(lazyload(Comment.thread))
            .where(Comment.thread_id.in_(ids)).order_by(Comment.id)
        ).scalars():
            record = to_json(comment, COMMENT_SKIP)
            record["votes"] = votes.get(comment.id, [])
            record["flags"] = flags.get(comment.id, [])
            comments[comment.thread_id].append(record)
        for thread in threads:
            yield {**to_json(thread, THREAD_SKIP), "comments": comments.get(thread.id, [])}
        db.session.expunge_all()  # keep memory flat on big sites


def export_site(slug: str) -> Iterator[str]:
    """The site's backup as JSON text in pieces, one thread per line, read in one snapshot."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        site = get_site(slug)
        yield (f'{{"format": "{FORMAT}", "version": {VERSION},\n"site": '
               f"{json.dumps(to_json(site, SITE_SKIP), ensure_ascii=False)},\n\"threads\": [")
        separator = "\n"
        for record in _thread_records(site):
            yield separator + json.dumps(record, ensure_ascii=False)
            separator = ",\n"
        yield "\n]}\n"
    finally:
        db.session.rollback()
