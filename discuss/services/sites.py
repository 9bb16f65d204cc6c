"""Sites: looking them up and adding them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from discuss.errors import Invalid, NotFound
from discuss.extensions import db
from discuss.models import ModerationMode, Site, SiteSnapshot
from discuss.pool import json_column, json_text, read_before_first_write, timestamp_column
from discuss.spam.registry import default_site_checks, validate_site_checks

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")  # \Z: no newline after
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?\Z")


_AnySite = TypeVar("_AnySite", Site, SiteSnapshot)
_SEEN = "discuss.sites_by_slug"
_BY_SLUG = sa.select(Site).where(Site.slug == sa.bindparam("slug"))


def find_site(slug: str) -> Site | None:
    """The site with this slug, if any.

    Within one transaction a site is read once: a request that looks it up more than once
    gets the session's loaded row, as the query would. After a commit or rollback (rows
    expired) the lookup goes to the database again. (A request that only reads its site
    takes ``find_site_snapshot``.)
    """
    seen = db.session.info.setdefault(_SEEN, {})
    site = seen.get(slug)
    if site is not None:
        state = sa.inspect(site)
        if (state.persistent and not state.expired and site not in db.session.deleted
                and site.slug == slug):
            return site
    site = db.session.execute(_BY_SLUG, {"slug": slug}).scalar_one_or_none()
    if site is not None:
        seen[slug] = site
    return site


def get_site(slug: str) -> Site:
    """The site with this slug, or NotFound."""
    return _found(find_site(slug), slug)


def _found(site: _AnySite | None, slug: str) -> _AnySite:
    if site is None:
        raise NotFound(f"No site named {slug!r}.")
    return site


_SNAPSHOTS = "discuss.site_snapshots"
_SNAPSHOT_COLUMNS = tuple(field.name for field in fields(SiteSnapshot))
_JSON_COLUMNS = frozenset(name for name in _SNAPSHOT_COLUMNS
                          if isinstance(Site.__table__.c[name].type, sa.JSON))
_SNAPSHOT_BY_SLUG = sa.select(*(
    json_text(getattr(Site, name)) if name in _JSON_COLUMNS else getattr(Site, name)
    for name in _SNAPSHOT_COLUMNS)).where(Site.slug == sa.bindparam("slug"))


def find_site_snapshot(slug: str) -> SiteSnapshot | None:
    """The site with this slug as a ``SiteSnapshot``, for a request that reads it before its
    first write (``pool.read_before_first_write``): CORS, the flood limit and the post of a
    comment share one read. It is kept in the session until a transaction of the session
    ends, or the session does (at the end of the request); a slug no site has is asked
    again each time, and one no site can have (the request's own text) not at all."""
    if not SLUG_PATTERN.match(slug):
        return None
    snapshots = db.session.info.setdefault(_SNAPSHOTS, {})
    snapshot = snapshots.get(slug)
    if snapshot is None:
        rows = read_before_first_write(db.engine, db.session, _SNAPSHOT_BY_SLUG,
                                       {"slug": slug}, first_only=True)
        if not rows:
            return None
        snapshot = snapshots[slug] = _snapshot(rows[0])
    return snapshot


def get_site_snapshot(slug: str) -> SiteSnapshot:
    """``find_site_snapshot``, or NotFound."""
    return _found(find_site_snapshot(slug), slug)


def _snapshot(row: tuple) -> SiteSnapshot:
    values = dict(zip(_SNAPSHOT_COLUMNS, row, strict=True))
    values.update({name: json_column(values[name]) or [] for name in _JSON_COLUMNS})
    values.update(moderation=ModerationMode(values["moderation"]),
                  closed=bool(values["closed"]), require_email=bool(values["require_email"]),
                  created_at=timestamp_column(values["created_at"]))
    return SiteSnapshot(**values)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_snapshots(session: Session, _transaction: Any) -> None:
    """A commit or rollback may have changed a site: the next look goes to the database."""
    session.info.pop(_SNAPSHOTS, None)


def normalise_origins(origins: Iterable[str]) -> list[str]:
    """Check and tidy allowed origins (scheme://host[:port], no path)."""
    cleaned: list[str] = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not ORIGIN_PATTERN.match(origin):
            raise Invalid(
                "Invalid origin.", {"origins": [f"{origin!r} is not scheme://host[:port]."]}
            )
        if origin not in cleaned:
            cleaned.append(origin)
    return cleaned


def create_site(
    slug: str,
    origins: Iterable[str] = (),
    moderation: ModerationMode | str = ModerationMode.POST,
    name: str | None = None,
    spam_checks: list[dict[str, Any]] | None = None,
) -> Site:
    """Add a site; slugs are lower-case letters, digits and dashes.

    Without ``spam_checks`` the site gets the default checks (see README "Spam checks").
    """
    if not SLUG_PATTERN.match(slug):
        raise Invalid("Invalid site slug.", {"slug": ["Use a-z, 0-9 and dashes, up to 63."]})
    if find_site(slug) is not None:
        raise Invalid("Site exists.", {"slug": [f"A site named {slug!r} already exists."]})
    try:
        mode = ModerationMode(moderation)
    except ValueError:
        raise Invalid("Invalid moderation mode.", {"moderation": ["Use pre or post."]}) from None
    checks = default_site_checks() if spam_checks is None else validate_site_checks(spam_checks)
    site = Site(slug=slug, name=name or slug, origins=normalise_origins(origins), moderation=mode,
                spam_checks=checks)
    db.session.add(site)
    db.session.commit()
    return site
