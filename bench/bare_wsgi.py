"""The server alone: a bare WSGI function answering each request with the ceiling's bytes.

No framework (routing by path and method only, the ceiling's headers): what gunicorn
itself can answer on this machine with the benchmark's settings, which no app it serves
can be expected to pass beyond the noise. Beside the ceiling it shows how much of a
request's cost is the server's own (``bench/NOTES.md`` uses it where a goal asks discuss
to run near or above the ceiling).

``with_discuss_headers`` answers the counts with the headers discuss sent with them
(security, CORS, ``Vary``, request id) and does nothing else: gunicorn checks and writes
every header of an answer, so this is the fastest any app sending those headers can be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from bench.captured import BODIES, COUNTS_HEADERS, ETAG

JSON = ("Content-Type", "application/json")


def _answer(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
    if path == "/api/v1/counts":
        return "200 OK", [JSON], BODIES["counts"]
    if path == "/api/v1/comments" and method == "POST":
        return "201 CREATED", [JSON], BODIES["post"]
    if path == "/api/v1/comments":
        if environ.get("HTTP_IF_NONE_MATCH") == ETAG:
            return "304 NOT MODIFIED", [("ETag", ETAG)], b""
        thread = parse_qs(environ.get("QUERY_STRING", "")).get("thread", [""])[0]
        if thread in BODIES:
            return "200 OK", [JSON, ("ETag", ETAG)], BODIES[thread]
    return "404 NOT FOUND", [], b""


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The captured answer to the request."""
    status, headers, body = _answer(environ)
    if not status.startswith("304"):  # as Flask's: a 304 has no body, nor its length
        headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def with_discuss_headers(environ: dict[str, Any], start_response: Callable[..., Any]
                         ) -> Iterable[bytes]:
    """The counts with discuss's own headers; any other request as ``app`` answers it."""
    if environ.get("PATH_INFO") != "/api/v1/counts":
        return app(environ, start_response)
    if not COUNTS_HEADERS:  # a file captured before the headers were: no figure at all
        raise RuntimeError("the captured answers hold no counts headers")
    start_response("200 OK", COUNTS_HEADERS)
    return [BODIES["counts"]]
