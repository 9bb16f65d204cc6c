"""The flood limit at the door of comment creation: Flask-Limiter, per site and address.

The limit comes from the site's ``flood`` check (or DISCUSS_RATE_LIMIT_COMMENTS); sites
without that check, or with it on trial, are not limited here. Only comments actually
stored (201 or 202) count, so a reader fixing a form error is not punished. Counts live
in Flask-Limiter's storage: memory, or Redis when DISCUSS_REDIS_URL is set, which is what
lets several app processes share them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from discuss.extensions import limiter
from discuss.services.site_checks import flood_rule_for
from discuss.spam.checks.flood import FloodRule
from discuss.web.errors import release_session

log = logging.getLogger(__name__)

SCOPE = "discuss-comments"


def _posted_site() -> str | None:
    data = request.get_json(silent=True) if request.is_json else None
    if isinstance(data, dict):
        site = data.get("site")
    else:
        site = request.form.get("site") or request.args.get("site")
    return site if isinstance(site, str) and site else None


def _rule() -> FloodRule | None:
    if "discuss_flood_rule" not in g:
        slug = _posted_site()
        try:
            g.discuss_flood_rule = flood_rule_for(slug) if slug else None
        except SQLAlchemyError:  # the view will answer 503; the limiter must not see this
            log.warning("flood rule lookup failed; not limiting this request")
            release_session()  # a fresh session for the view, not a half-failed transaction
            g.discuss_flood_rule = None
    return g.discuss_flood_rule


def _limit() -> str:
    rule = _rule()
    return rule.limit if rule else current_app.config["DISCUSS"].rate_limit_comments


def _exempt() -> bool:
    rule = _rule()
    return rule is None or rule.trial


def _key() -> str:
    return f"{_posted_site() or '-'}|{request.remote_addr or '-'}"


def _stored(response: Response) -> bool:
    """201/202 from the API, 303 (Post/Redirect/Get) from the plain form."""
    return response.status_code in (201, 202, 303)


def flood_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a view that creates comments (API or form) with the site's flood limit."""
    return limiter.shared_limit(_limit, scope=SCOPE, key_func=_key, exempt_when=_exempt,
                                deduct_when=_stored)(view)
