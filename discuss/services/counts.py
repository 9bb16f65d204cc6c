"""Approved-comment counts for many articles at once, for listing pages."""

from __future__ import annotations

import sqlalchemy as sa

from discuss.errors import NotFound
from discuss.extensions import db
from discuss.models import Site, Thread
from discuss.pool import fetch_all

MAX_KEYS = 100

# Built once (an expanding parameter takes any number of keys): building costs more than running.
_COUNTS = (
    sa.select(Site.id, Thread.key, Thread.comment_count)
    .select_from(Site)
    .outerjoin(Thread, sa.and_(Thread.site_id == Site.id,
                               Thread.key.in_(sa.bindparam("keys", expanding=True))))
    .where(Site.slug == sa.bindparam("slug"))
)


def count_comments(site_slug: str, keys: list[str]) -> dict[str, int]:
    """One query for up to 100 thread keys; unknown keys count 0; an unknown site raises."""
    rows = fetch_all(db.engine, _COUNTS, {"slug": site_slug, "keys": list(keys)})
    if not rows:
        raise NotFound(f"No site named {site_slug!r}.")
    found = {key: count for _, key, count in rows if key is not None}
    return {key: found.get(key, 0) for key in keys}
