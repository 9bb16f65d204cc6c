"""The audit trail: every moderation decision leaves a line saying who, what, when and why."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from discuss.errors import BadRequest, Forbidden, NotFound
from discuss.extensions import db
from discuss.models import AuditAction, AuditEvent, Comment, CommentStatus, Site, utcnow

if TYPE_CHECKING:
    from discuss.services.accounts import Actor

MAX_PAGE = 200


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


def list_events(
    by: Actor,
    site_slug: str | None = None,
    actor_name: str | None = None,
    comment_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> AuditPage:
    """The log, newest first, limited to the sites the asker may see."""
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


def actor_names(by: Actor) -> list[str]:
    """Everyone who appears in the log the asker may see (for the admin's filter)."""
    query = sa.select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)
    if by.site_ids is not None:
        query = query.where(AuditEvent.site_id.in_(by.site_ids))
    return list(db.session.execute(query).scalars())
