"""Sites: looking them up and adding them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from discuss.errors import Invalid, NotFound
from discuss.extensions import db
from discuss.models import ModerationMode, Site
from discuss.spam.registry import default_site_checks, validate_site_checks

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


_SEEN = "discuss.sites_by_slug"
_BY_SLUG = sa.select(Site).where(Site.slug == sa.bindparam("slug"))


def find_site(slug: str) -> Site | None:
    """The site with this slug, if any.

    Within one transaction a site is read once: the rate limiter, CORS and the service of a
    request all look the site up, and the session hands back its loaded row, as the query
    would. After a commit or rollback (rows expired) the lookup goes to the database again.
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
    site = find_site(slug)
    if site is None:
        raise NotFound(f"No site named {slug!r}.")
    return site


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
