"""Readers' requests for comments and counts, answered before Flask's request machinery.

Nearly every request discuss serves is a reader's ``GET /api/v1/comments`` (answered with a
304 or with the cached first page after one query) or a listing page's
``GET /api/v1/counts`` (one query). For those answers Flask's request context, routing, the
API framework's wrappers and a dozen hooks cost several times what the answer itself does
(``bench/NOTES.md``). This WSGI layer takes exactly those requests from an anonymous reader
(no cookie, no ``Authorization``) and answers them through the same services
(``read_listing``, ``count_comments``), with the same parsers and the same headers the hooks
add (CORS, security, request id) and the same metrics and access line. Everything else, and
every answer but a 200 or a 304 (an unknown site, a bad parameter, a database away), goes
through Flask as before. A database that cannot be reached is handed over with the request,
so Flask answers it without trying (and waiting out its timeout) a second time; a
connection the server closed (a restart, a failover) is not, so Flask tries again on a
fresh one (``discuss/pool.py`` drops them all).
``tests/perf/test_fast_reads.py`` holds both ways to the same status, headers and bytes.
A counts answer is kept for a few seconds and sent again to the same request by
``KeptCounts``, a layer in front of everything else, ProxyFix included
(``recent_answers.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask
from flask import request as current_request
from marshmallow import Schema
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from discuss.errors import DomainError
from discuss.logs import accept_request_id, bind_request_id
from discuss.schemas.comments import CountsQuery, ListQuery
from discuss.services.cached_listing import read_listing
from discuss.services.counts import count_comments
from discuss.web.api.parsing import ApiBlueprint
from discuss.web.api.render import counts_json, listing_json
from discuss.web.api.requests import entity_tags
from discuss.web.cors import public_origin, read_allowed, sharing_headers
from discuss.web.errors import DATABASE_ERRORS
from discuss.web.metrics import REQUEST_ID_HEADER, record_answer
from discuss.web.rate_limits import only_views_have_limits
from discuss.web.recent_answers import RecentAnswers, answer_key
from discuss.web.security import data_headers

DATABASE_ERROR = "discuss.fast_reads.database_error"  # environ key: the error Flask answers
KEEP_AS = "discuss.fast_reads.keep_as"  # environ key: where a computed counts answer is kept
RECENT_ANSWERS = "discuss.recent_answers"  # app.extensions key: the worker's kept answers
LISTING = "/api/v1/comments"
COUNTS = "/api/v1/counts"
_LISTING_QUERY = ListQuery()
_COUNTS_QUERY = CountsQuery()
log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Reply:
    """What one route answers, before the headers every answer shares."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    site_origins: tuple[str, ...]


def _parse(request: Request, schema: Schema) -> dict[str, Any]:
    return ApiBlueprint.ARGUMENTS_PARSER.parse(schema, request, location="query")


def _listing(request: Request) -> Reply:
    args = _parse(request, _LISTING_QUERY)
    page = read_listing(args["site"], args["thread"], listing_json, args["sort"],
                        args["limit"], args["cursor"],
                        known_tags=entity_tags(request.environ.get("HTTP_IF_NONE_MATCH")))
    headers = (("ETag", f'"{page.tag}"'), ("Cache-Control", "no-cache"))
    if page.not_modified:
        return Reply("304 NOT MODIFIED", headers, b"", page.site_origins)
    headers += (("Content-Type", "application/json"), ("Content-Length", str(len(page.body))))
    return Reply("200 OK", headers, page.body, page.site_origins)


def _counts(request: Request) -> Reply:
    args = _parse(request, _COUNTS_QUERY)
    found = count_comments(args["site"], args["thread"])
    body = counts_json(found.counts)
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))))
    return Reply("200 OK", headers, body, found.site_origins)


# Path -> how it is answered; each path is its route's rule, as the metrics label it.
ROUTES: dict[str, Callable[[Request], Reply]] = {LISTING: _listing, COUNTS: _counts}


def _readers_route(environ: dict[str, Any]) -> Callable[[Request], Reply] | None:
    """How the fast path answers this request, if it is an anonymous reader's read."""
    route = ROUTES.get(environ.get("PATH_INFO", ""))
    if (route is None or environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ):
        return None
    return route


def _send(start_response: Callable[..., Any], path: str, status: str,
          headers: Iterable[tuple[str, str]], body: bytes, request_id: str, started: float
          ) -> list[bytes]:
    """Answer, then count and log the answer as Flask's hooks would."""
    start_response(status, [*headers, (REQUEST_ID_HEADER, request_id)])
    record_answer("GET", path, path, int(status[:3]), time.perf_counter() - started,
                  request_id)
    return [body]


class FastReads:
    """WSGI middleware in front of Flask's own ``wsgi_app`` (behind ProxyFix, if any)."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        route = _readers_route(environ)
        if route is None:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        bind_request_id(request_id)
        try:
            answer = self._answer(environ, route)
        finally:
            bind_request_id(None)
        if answer is None:  # not ours to answer: Flask does, with its errors and hooks
            environ["HTTP_X_REQUEST_ID"] = request_id  # one id in the logs of both attempts
            return self.inner(environ, start_response)
        status, headers, body = answer
        keep = environ.get(KEEP_AS)
        if keep is not None:
            keep(status, headers, body)
        return _send(start_response, environ["PATH_INFO"], status, headers, body, request_id,
                     started)

    def _answer(self, environ: dict[str, Any], route: Callable[[Request], Reply]
                ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        request = Request(environ)
        with self.app.app_context():
            try:
                reply = route(request)
            except (HTTPException, DomainError):
                return None  # Flask answers it again, with the right error page or problem
            except DATABASE_ERRORS as error:
                if not (isinstance(error, DBAPIError) and error.connection_invalidated):
                    environ[DATABASE_ERROR] = error  # unreachable: Flask answers, not retries
                return None
            except Exception:  # a slip here must not cost the reader: Flask answers, we log
                log.exception("the readers' fast path failed; Flask answers instead")
                return None
            headers = [*reply.headers, *data_headers(request.is_secure)]
            headers.append(("Vary", "Origin, Cookie"))
            origin = environ.get("HTTP_ORIGIN")
            if origin and read_allowed(origin, reply.site_origins, request,
                                       public_origin(self.app)):
                headers += sharing_headers(origin, {name for name, _ in reply.headers})
        return reply.status, headers, reply.body


def _answer_database_error() -> None:
    """Raise the fast path's database error for Flask's error handlers, after the other
    hooks (CORS among them) have seen the request as they would for the view. (Runs on
    every request Flask handles: one dictionary lookup.)"""
    error = current_request.environ.pop(DATABASE_ERROR, None)
    if error is not None:
        raise error


class KeptCounts:
    """WSGI layer in front of all the others, ProxyFix included: a counts answer that
    ``RecentAnswers`` still keeps is sent again as the request arrives, without the proxy
    headers' parsing (a fifth to a quarter of a kept answer's own cost, in one process).
    ``answer_key`` holds the forwarded headers ProxyFix reads, so what it would make of
    them is part of the key. Any other request, and a counts request with nothing kept,
    goes on inside, told where the fast path keeps its answer."""

    def __init__(self, inner: WsgiApp, recent: RecentAnswers) -> None:
        self.inner = inner
        self.recent = recent

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        # The path alone first: every other request pays one comparison here.
        if environ.get("PATH_INFO") != COUNTS or _readers_route(environ) is None:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        key = answer_key(environ)
        kept = self.recent.get(key)
        if kept is None:
            environ[KEEP_AS] = partial(self.recent.keep, key, self.recent.clock())
            return self.inner(environ, start_response)
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        return _send(start_response, COUNTS, kept.status, kept.headers, kept.body, request_id,
                     started)


def install(app: Flask) -> None:
    """Put the fast path in front of the app, unless every request must pass the limiter."""
    if not only_views_have_limits():
        return
    app.before_request(_answer_database_error)
    app.wsgi_app = FastReads(app, app.wsgi_app)  # type: ignore[method-assign]
    seconds = app.config["DISCUSS"].counts_cache_seconds
    if seconds > 0:
        app.extensions[RECENT_ANSWERS] = RecentAnswers(seconds)


def install_kept_counts(app: Flask) -> None:
    """Put ``KeptCounts`` in front of every other layer, if the fast path keeps answers;
    called last, once ProxyFix is in place."""
    recent = app.extensions.get(RECENT_ANSWERS)
    if recent is not None:
        app.wsgi_app = KeptCounts(app.wsgi_app, recent)  # type: ignore[method-assign]
