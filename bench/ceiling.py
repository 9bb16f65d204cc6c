"""The ceiling: a bare Flask app answering each benchmark request with pre-serialised bytes.

It does what no real comment server can beat: no database, no validation, no rendering;
each answer is the exact body discuss gave for the same request (``bench/captured.py``).
"""

from __future__ import annotations

from flask import Flask, Response, request

from bench.captured import BODIES, ETAG

app = Flask(__name__)
JSON = "application/json"


@app.get("/api/v1/comments")
def listing() -> Response:
    """The captured page of the thread asked for; 304 for the captured tag."""
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers={"ETag": ETAG})
    return Response(BODIES[request.args["thread"]], mimetype=JSON, headers={"ETag": ETAG})


@app.get("/api/v1/counts")
def counts() -> Response:
    """The captured counts."""
    return Response(BODIES["counts"], mimetype=JSON)


@app.post("/api/v1/comments")
def post() -> Response:
    """The captured answer to a new comment."""
    return Response(BODIES["post"], status=201, mimetype=JSON)
