"""A reader's request for a thread's comments, answered before Flask's request machinery.

Nearly every request discuss serves is a reader's ``GET /api/v1/comments``, answered with a
304 or with the cached first page after one query. For that answer Flask's request context,
routing, the API framework's wrappers and a dozen hooks cost several times what the answer
itself does (``bench/NOTES.md``). This WSGI layer takes exactly that request from an
anonymous reader (no cookie, no ``Authorization``) and answers it through the same service
(``read_listing``), with the same parser and the same headers the hooks add (CORS, security,
request id) and the same metrics and access line. Everything else, and every answer but a
200 or a 304 (an unknown site, a bad parameter, a database away), goes through Flask as
before. ``tests/perf/test_fast_reads.py`` holds both ways to the same status, headers and
bytes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from discuss.errors import DomainError
from discuss.logs import accept_request_id, bind_request_id
from discuss.schemas.comments import ListQuery
from discuss.services.cached_listing import read_listing
from discuss.web.api.parsing import ApiBlueprint
from discuss.web.api.render import listing_json
from discuss.web.api.requests import first_entity_tag
from discuss.web.cors import public_origin, read_allowed, sharing_headers
from discuss.web.metrics import REQUEST_ID_HEADER, record_answer
from discuss.web.security import data_headers

PATH = "/api/v1/comments"
ENDPOINT = "/api/v1/comments"  # the route's rule, as the metrics label it
_QUERY_SCHEMA = ListQuery()
log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FastReads:
    """WSGI middleware in front of Flask's own ``wsgi_app`` (behind ProxyFix, if any)."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET"
                or "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        request_id = accept_request_id(environ.get("HTTP_X_REQUEST_ID"))
        bind_request_id(request_id)
        try:
            answer = self._answer(environ, request_id)
        finally:
            bind_request_id(None)
        if answer is None:  # not ours to answer: Flask does, with its errors and hooks
            environ["HTTP_X_REQUEST_ID"] = request_id  # one id in the logs of both attempts
            return self.inner(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        record_answer("GET", PATH, ENDPOINT, int(status[:3]), time.perf_counter() - started,
                      request_id)
        return [body]

    def _answer(self, environ: dict[str, Any], request_id: str
                ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        request = Request(environ)
        with self.app.app_context():
            try:
                args = ApiBlueprint.ARGUMENTS_PARSER.parse(_QUERY_SCHEMA, request,
                                                           location="query")
                page = read_listing(args["site"], args["thread"], listing_json, args["sort"],
                                    args["limit"], args["cursor"],
                                    known_tag=first_entity_tag(environ.get("HTTP_IF_NONE_MATCH")))
            except (HTTPException, DomainError, SQLAlchemyError):
                return None  # Flask answers it again, with the right error page or problem
            except Exception:  # a slip here must not cost the reader: Flask answers, we log
                log.exception("the readers' fast path failed; Flask answers instead")
                return None
            headers = [("ETag", f'"{page.tag}"'), ("Cache-Control", "no-cache")]
            if not page.not_modified:
                headers += [("Content-Type", "application/json"),
                            ("Content-Length", str(len(page.body)))]
            headers += data_headers(request.is_secure)
            headers += [(REQUEST_ID_HEADER, request_id), ("Vary", "Origin, Cookie")]
            origin = environ.get("HTTP_ORIGIN")
            if origin and read_allowed(origin, page.site_origins,
                                       f"{request.scheme}://{request.host}",
                                       public_origin(self.app)):
                headers += sharing_headers(origin)
        if page.not_modified:
            return "304 NOT MODIFIED", headers, b""
        return "200 OK", headers, page.body


def install(app: Flask) -> None:
    """Put the fast path in front of the app, unless every request must pass the limiter."""
    if app.config["DISCUSS"].rate_limit_default:
        return
    app.wsgi_app = FastReads(app, app.wsgi_app)  # type: ignore[method-assign]
