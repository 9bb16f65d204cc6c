"""Response headers that make the browser an ally: CSP, framing, sniffing, referrer, cookies.

Every HTML page gets a strict Content-Security-Policy (scripts and styles only from this
origin, no inline script, no plugins, no <base>); every other response gets the tightest
policy there is. Pages are never framed, except the no-JS thread page, which the site's own
origins (and this service) may frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import IntegerConverter, Map

from discuss.schemas.fields import MAX_ID
from discuss.services.sites import find_site

# Paths whose pages a site embeds in an <iframe>; framing is limited to that site's origins.
FRAMEABLE_PATHS = frozenset({"/embed/thread"})

PAGE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000; includeSubDomains"
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY))
# Every answer that is not a page (JSON, CSV…): the common headers, the tightest policy.
DATA_HEADERS = (*COMMON_HEADERS, ("Content-Security-Policy", DATA_POLICY),
                ("X-Frame-Options", "DENY"))
HTML_TYPES = ("text/html", "application/xhtml+xml")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that only matches what fits a database integer, so a huge id is a 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bound_url_integers(app: Flask) -> None:
    """Replace the ``int`` converter before any route is added (an id no row can have → 404)."""
    app.url_map.converters["int"] = BoundedIntConverter


def allow_framing(origins: Iterable[str]) -> None:
    """Let these origins frame the page being answered (a view calls this; else looked up)."""
    g.discuss_frame_ancestors = [o for o in origins if o]


def _frame_ancestors() -> list[str]:
    """Who may frame this response: nobody, or the site's own origins for embeddable pages."""
    if request.path not in FRAMEABLE_PATHS:
        return []
    known = g.get("discuss_frame_ancestors")
    if known is not None:
        return list(known)
    slug = request.args.get("site", "")
    if not slug or len(slug) > 64:
        return []
    try:
        site = find_site(slug)
    except SQLAlchemyError:  # the database is away: refuse framing rather than fail the page
        return []
    return list(site.origins or []) if site is not None else []


def content_security_policy(frame_ancestors: list[str]) -> str:
    """The page policy, with framing and form targets opened to ``frame_ancestors`` only."""
    policy = {name: list(values) for name, values in PAGE_POLICY.items()}
    if frame_ancestors:
        policy["frame-ancestors"] = ["'self'", *frame_ancestors]
        policy["form-action"] = ["'self'", *frame_ancestors]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


def _is_html(response: Response) -> bool:
    return response.headers.get("Content-Type", "").startswith(HTML_TYPES)


def _framable(policy: str) -> bool:
    """Whether a policy lets any page frame this one."""
    for directive in policy.split(";"):
        words = directive.split()
        if words and words[0].lower() == "frame-ancestors":
            return words[1:] != ["'none'"]
    return True  # no frame-ancestors: CSP does not forbid framing


def data_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers of an answer that is not a page (JSON, CSV…), over HTTPS or not."""
    return (*DATA_HEADERS, ("Strict-Transport-Security", HSTS)) if secure \
        else DATA_HEADERS


def add_security_headers(response: Response) -> Response:
    """Set the headers on every response; a view that set its own policy keeps it."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass, not a lookup per header
    if _is_html(response):
        if "content-security-policy" not in present:
            headers["Content-Security-Policy"] = content_security_policy(_frame_ancestors())
        wanted: tuple[tuple[str, str], ...] = (*COMMON_HEADERS,
                                               ("Cross-Origin-Opener-Policy", "same-origin"))
        if not _framable(headers["Content-Security-Policy"]):
            wanted += (("X-Frame-Options", "DENY"),)
    else:
        wanted = DATA_HEADERS
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    return response


def secure_cookies(app: Flask) -> None:
    """A remember-me cookie, if one is ever set, gets the session cookie's flags."""
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))


def register(app: Flask) -> None:
    """Install the header hook and the cookie flags."""
    secure_cookies(app)
    app.after_request(add_security_headers)

