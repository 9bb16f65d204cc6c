"""Per-site settings as moderators' tools see them, and thread locks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from discuss.errors import Invalid
from discuss.extensions import db
from discuss.models import AuditAction, Comment, CommentStatus, ModerationMode, Site, Thread
from discuss.services import audit
from discuss.services.actors import Actor
from discuss.services.sites import get_site, normalise_origins
from discuss.services.threads import create_thread, find_thread, record_change
from discuss.spam import registry

# name -> (lowest, highest) allowed for the whole-number settings
_RANGES: dict[str, tuple[int, int]] = {
    "max_depth": (0, 20),
    "edit_window_seconds": (0, 7 * 86400),
    "max_links": (0, 100),
    "auto_close_days": (1, 36500),
    "flag_threshold": (0, 1000),
}
EDITABLE = ("name", "moderation", "closed", "max_depth", "edit_window_seconds", "max_links",
            "auto_close_days", "require_email", "language", "privacy_url", "flag_threshold",
            "origins", "spam_checks")


def get_settings(by: Actor, slug: str) -> Site:
    """A site's settings, for those who may moderate it."""
    site = get_site(slug)
    by.require_site(site)
    return site


def _clean(name: str, value: Any) -> Any:
    if name in _RANGES and value is not None:
        low, high = _RANGES[name]
        if not low <= value <= high:
            raise Invalid("A setting is out of range.",
                          {name: [f"Must be between {low} and {high}."]})
    if name == "moderation":
        try:
            return ModerationMode(value)
        except ValueError:
            raise Invalid("Invalid moderation mode.", {name: ["Use pre or post."]}) from None
    if name == "origins":
        return normalise_origins(value)
    if name == "spam_checks":
        return registry.validate_site_checks(value)
    if name == "flag_threshold" and value is None:
        raise Invalid("A setting is missing.", {name: ["Use 0 to turn automatic holds off."]})
    return value


def update_settings(by: Actor, slug: str, changes: dict[str, Any]) -> Site:
    """Change some settings; the version bump makes every cached listing of the site stale."""
    site = get_site(slug)
    by.require_configure(site)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid("Unknown settings.", {name: ["Unknown setting."] for name in unknown})
    changed: list[str] = []
    for name, value in changes.items():
        value = _clean(name, value)
        if getattr(site, name) != value:
            setattr(site, name, value)
            changed.append(name)
    if changed:
        site.settings_version = Site.settings_version + 1
        audit.record(by, AuditAction.SETTINGS, site_id=site.id, note=", ".join(changed))
        db.session.commit()
        db.session.refresh(site)
    return site


def set_thread_lock(by: Actor, site_slug: str, key: str, locked: bool) -> Thread:
    """Close or reopen an article's comments; an article without comments yet is created."""
    site = get_site(site_slug)
    by.require_site(site)
    if not key or len(key) > 512:
        raise Invalid("Invalid thread key.", {"thread": ["Use 1 to 512 characters."]})
    thread = find_thread(site, key) or create_thread(site, key, None, None)
    if thread.locked != locked:
        thread.locked = locked
        record_change(thread.id)
        audit.record(by, AuditAction.LOCK if locked else AuditAction.UNLOCK, site_id=site.id,
                     thread_id=thread.id, note=thread.title or thread.key)
        db.session.commit()
        db.session.refresh(thread)
    return thread


def list_threads(by: Actor, site_slug: str, limit: int = 100) -> list[tuple[Thread, int]]:
    """The site's newest articles with how many comments each has waiting."""
    site = get_site(site_slug)
    by.require_site(site)
    waiting = (
        sa.select(sa.func.count(Comment.id))
        .where(Comment.thread_id == Thread.id, Comment.status == CommentStatus.PENDING)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Thread, waiting).where(Thread.site_id == site.id)
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(limit)
    ).all()
    return [(thread, count) for thread, count in rows]
