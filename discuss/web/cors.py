"""CORS for the public API: a site's own pages (its allowed origins) may call it from browsers.

The site is named by the ``site`` query parameter (the widget sends it on every call, since a
preflight has no body) or, on a plain POST, by the JSON body's ``site``. The service's own
origin is always allowed. Any other origin gets no CORS headers, so the browser refuses to
hand it the answer; a preflight from it, or a state-changing request carrying its Origin, is
refused outright with 403.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from discuss.services.sites import find_site_snapshot
from discuss.web.errors import problem

PUBLIC_PATH = re.compile(
    r"^/api/v1/(?:config|counts|preview|comments(?:/\d+(?:/(?:vote|flag))?)?)$"
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Content-Type, Authorization, If-None-Match"
EXPOSED_HEADERS = ("ETag", "Retry-After")  # what a page's script may read, where present
PREFLIGHT_MAX_AGE = 600
_PUBLIC_ORIGIN = "discuss.public_origin"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def read_allowed(origin: str, site_origins: tuple[str, ...] | list[str], asked: Request,
                 public_origin: str | None) -> bool:
    """Whether a browser page at ``origin`` may read what the site's API answers: one of the
    site's origins, or where the service itself is reached (the scheme and host ``asked``
    was sent to, as the browser spells them in Origin, so no IRI decoding; or the
    configured public URL). The request's own origin is worked out only when neither the
    site's origins nor the public URL allow the page.
    """
    origin = origin.rstrip("/").lower()
    return (origin in _comparable(tuple(site_origins)) or origin == public_origin
            or origin == f"{asked.scheme}://{asked.host}".lower())


@functools.lru_cache(maxsize=256)
def _comparable(site_origins: tuple[str, ...]) -> frozenset[str]:
    """A site's origins as ``read_allowed`` compares them, made once per list: every read
    from a browser asks."""
    return frozenset(o.rstrip("/").lower() for o in site_origins)


def public_origin(app: Flask) -> str | None:
    """The origin of the configured public URL, if any."""
    return app.extensions[_PUBLIC_ORIGIN]


def _site_slug() -> str | None:
    slug = request.args.get("site")
    if slug:
        return slug
    if request.method in UNSAFE_METHODS and request.is_json:
        try:
            body = request.get_json(silent=True)
        except HTTPException:  # too large: the view will answer 413
            return None
        if isinstance(body, dict) and isinstance(body.get("site"), str):
            return body["site"]
    return None


def known_site_origins(origins: tuple[str, ...]) -> None:
    """A view that read the site anyway hands over its origins, sparing a read's CORS
    decision its own query."""
    g.discuss_site_origins = origins


def origin_allowed(origin: str) -> bool:
    """Whether a browser page at ``origin`` may use the API of the site this request names."""
    origins = g.get("discuss_site_origins")
    if origins is None:
        slug = _site_slug()
        site = find_site_snapshot(slug) if slug else None
        origins = site.origins if site is not None else ()
    return read_allowed(origin, origins, request, public_origin(current_app))


def _refuse(origin: str) -> Response:
    return problem(403, f"Pages at {origin} may not use this site's comments API.")


def before_request() -> Response | None:
    """Answer preflights; refuse state changes from origins the site does not allow.

    A read is never refused (the browser withholds the answer instead), so its decision
    waits for ``after_request``, when the view may already know the site's origins.
    """
    if not PUBLIC_PATH.match(request.path):
        return None
    origin = request.headers.get("Origin")
    if not origin:
        return None
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if not preflight and request.method not in UNSAFE_METHODS:
        return None
    allowed = origin_allowed(origin)
    g.cors_origin = origin if allowed else None
    if preflight:
        if not allowed:
            return _refuse(origin)
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response
    if not allowed:
        return _refuse(origin)
    return None


def _read_origin() -> str | None:
    """The Origin of a read if the site allows it (decided here, after the view)."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    try:
        return origin if origin_allowed(origin) else None
    except SQLAlchemyError:  # the database is away: share nothing rather than fail the answer
        return None


def after_request(response: Response) -> Response:
    """Share the answer with an allowed origin; tell caches the answer depends on Origin."""
    if PUBLIC_PATH.match(request.path):
        response.vary.add("Origin")
        if "cors_origin" in g:
            origin = g.cors_origin
        elif response.status_code >= 500:  # the database may be away: do not ask it again
            origin = None
        else:
            origin = _read_origin()
        if origin:
            response.headers.extend(sharing_headers(origin, response.headers))
    return response


def sharing_headers(origin: str, answer_headers: Container[str]
                    ) -> tuple[tuple[str, str], ...]:
    """What lets the page at ``origin`` read an answer, and those of the answer's headers
    a page's script may read: only the ones it carries (a counts answer has neither, and the
    header costs the server as much as any other)."""
    exposed = ", ".join(name for name in EXPOSED_HEADERS if name in answer_headers)
    if not exposed:
        return (("Access-Control-Allow-Origin", origin),)
    return (("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", exposed))


def register(app: Flask) -> None:
    """Install the CORS hooks on the app."""
    public_url = app.config["DISCUSS"].public_url
    app.extensions[_PUBLIC_ORIGIN] = _origin_of(public_url) if public_url else None
    app.before_request(before_request)
    # Last of the after-request hooks (Flask runs them newest first): the rate limiter's
    # adds Retry-After after the view, and the answer's exposed headers must include it.
    app.after_request_funcs.setdefault(None, []).insert(0, after_request)
