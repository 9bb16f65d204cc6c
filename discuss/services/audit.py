"""The audit trail: every moderation decision leaves a line saying who, what, when and why."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from discuss.errors import BadRequest, Forbidden, NotFound
from discuss.extensions import db
from discuss.models import AuditAction, AuditEvent, Comment, CommentStatus, Site, utcnow

if TYPE_CHECKING:
    from discuss.services.actors import Actor

MAX_PAGE = 200
EXPORT_BATCH = 500


def record(
    actor: Actor | str,
    action: AuditAction,
    *,
    site_id: int | None = None,
    comment: Comment | None = None,
    thread_id: int | None = None,
    previous: CommentStatus | None = None,
    new: CommentStatus | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Add one event to the current transaction (the caller commits)."""
    if comment is not None:
        thread_id = comment.thread_id
        site_id = comment.thread.site_id
    event = AuditEvent(
        site_id=site_id,
        comment_id=comment.id if comment is not None else None,
        thread_id=thread_id,
        actor=actor if isinstance(actor, str) else actor.name,
        action=action,
        previous_status=previous,
        new_status=new,
        note=(note or None) and note[:2000],
        created_at=utcnow(),
    )
    db.session.add(event)
    return event


@dataclass
class AuditPage:
    """Events newest first, and where the next page starts."""

    events: list[AuditEvent] = field(default_factory=list)
    next_cursor: str | None = None


def _encode(event: AuditEvent) -> str:
    return base64.urlsafe_b64encode(json.dumps([event.id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        (last_id,) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 < last_id < 2**62:
            raise ValueError
        return last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid for this listing.") from None


def _visible_events(by: Actor, site_slug: str | None, actor_name: str | None,
                    comment_id: int | None) -> sa.Select:
    """The events the asker may see, filtered; refuses a site or comment outside their scope."""
    query = sa.select(AuditEvent)
    if site_slug:
        site = db.session.execute(sa.select(Site).where(Site.slug == site_slug)).scalar()
        if site is None:
            raise NotFound(f"No site named {site_slug!r}.")
        by.require_site(site)
        query = query.where(AuditEvent.site_id == site.id)
    elif by.site_ids is not None:
        query = query.where(AuditEvent.site_id.in_(by.site_ids))
    if actor_name:
        query = query.where(AuditEvent.actor == actor_name)
    if comment_id is not None:
        comment = db.session.get(Comment, comment_id)
        if comment is not None and not by.may_moderate(comment.thread.site_id):
            raise Forbidden("You may not see this comment's history.")
        query = query.where(AuditEvent.comment_id == comment_id)
    return query


def list_events(
    by: Actor,
    site_slug: str | None = None,
    actor_name: str | None = None,
    comment_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> AuditPage:
    """The log, newest first, limited to the sites the asker may see."""
    query = _visible_events(by, site_slug, actor_name, comment_id)
    if cursor:
        query = query.where(AuditEvent.id < _decode(cursor))
    limit = max(1, min(limit, MAX_PAGE))
    events = list(db.session.execute(
        query.order_by(AuditEvent.id.desc()).limit(limit + 1)
    ).scalars())
    page = AuditPage(events=events[:limit])
    if len(events) > limit:
        page.next_cursor = _encode(events[limit - 1])
    return page


def all_events(
    by: Actor,
    site_slug: str | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[sa.Row]:
    """Every event the asker may see, oldest first, as rows (``site`` is the slug).

    For an export: the log of a busy site fits neither a page nor memory, so the rows come in
    batches, each read on a connection of its own that goes back to the pool at once (a
    slow download holds no connection, and a streamed download goes on after its request
    has ended). A refusal (unknown site, a site outside the asker's scope) is raised here,
    before the first row, so a download never starts and then breaks off.
    """
    query = _visible_events(by, site_slug, actor_name, None)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    query = query.with_only_columns(
        AuditEvent.id, AuditEvent.created_at, AuditEvent.actor, AuditEvent.action,
        Site.slug.label("site"), AuditEvent.thread_id, AuditEvent.comment_id,
        AuditEvent.previous_status, AuditEvent.new_status, AuditEvent.note,
    ).outerjoin_from(AuditEvent, Site, Site.id == AuditEvent.site_id).order_by(AuditEvent.id)
    return _stream(db.engine, query)


def _stream(engine: sa.Engine, query: sa.Select) -> Iterator[sa.Row]:
    after = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                query.where(AuditEvent.id > after).limit(EXPORT_BATCH)).all()
        yield from rows
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1].id


def actor_names(by: Actor) -> list[str]:
    """Everyone who appears in the log the asker may see (for the admin's filter)."""
    query = sa.select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)
    if by.site_ids is not None:
        query = query.where(AuditEvent.site_id.in_(by.site_ids))
    return list(db.session.execute(query).scalars())
