"""Approved-comment counts for many articles at once, for listing pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from discuss.errors import NotFound
from discuss.extensions import db
from discuss.models import Site, Thread
from discuss.pool import fetch_all, json_text, origins_column

MAX_KEYS = 100

# Built once (an expanding parameter takes any number of keys): building costs more than running.
_COUNTS = (
    sa.select(json_text(Site.origins), Thread.key, Thread.comment_count)
    .select_from(Site)
    .outerjoin(Thread, sa.and_(Thread.site_id == Site.id,
                               Thread.key.in_(sa.bindparam("keys", expanding=True))))
    .where(Site.slug == sa.bindparam("slug"))
)


@dataclass(frozen=True)
class ThreadCounts:
    """Counts by thread key, and the site's origins (read by the same query, for CORS)."""

    counts: dict[str, int]
    site_origins: tuple[str, ...]


def count_comments(site_slug: str, keys: list[str]) -> ThreadCounts:
    """One query for up to 100 thread keys; unknown keys count 0; an unknown site raises."""
    rows = fetch_all(db.engine, _COUNTS, {"slug": site_slug, "keys": list(keys)})
    if not rows:
        raise NotFound(f"No site named {site_slug!r}.")
    found = {key: count for _, key, count in rows if key is not None}
    return ThreadCounts(counts={key: found.get(key, 0) for key in keys},
                        site_origins=origins_column(rows[0][0]))
