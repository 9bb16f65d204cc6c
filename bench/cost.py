"""CPU time per request inside one process, without an HTTP server: the app's own cost.

Throughput under wrk depends on what else the machine is doing; the CPU time this process
spends per request (``time.process_time``) much less so, though a shared CPU's speed
still moves it. It shows what each path costs on
top of the same request answered by a bare Flask app, which is what separates discuss from
the ceiling. The database server's own CPU is not included (it is another process).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from werkzeug.test import EnvironBuilder

from bench import dataset, instructions
from bench.targets import SECRET

REPEAT = 400


def _environ(method: str, path: str, query: str = "", headers: dict[str, str] | None = None,
             body: bytes | None = None) -> dict[str, Any]:
    return EnvironBuilder(method=method, path=path, query_string=query, headers=headers or {},
                          data=body, content_type="application/json" if body else None
                          ).get_environ()


def _cpu_us(app: Callable, make_environ: Callable[[], dict[str, Any]], repeat: int) -> float:
    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        if status[0] not in "23":
            raise RuntimeError(f"unexpected {status}")

    for _ in range(max(20, repeat // 10)):
        b"".join(app(make_environ(), start_response))
    # Built before the clock starts: building one costs more than a cheap answer does.
    environs = [make_environ() for _ in range(repeat)]
    started = time.process_time()
    for environ in environs:
        b"".join(app(environ, start_response))
    return round((time.process_time() - started) / repeat * 1e6)


def measure(database_url: str, cache: bool = True) -> dict[str, float]:
    """Microseconds of CPU per request for each path, and for the bare Flask answer."""
    from discuss import create_app

    settings: dict[str, Any] = {"database_url": database_url, "secret_key": SECRET,
                                "trust_proxy_headers": 1,
                                "log_level": "WARNING"}  # as the servers run: no access line
    if not cache:  # as the cold servers: every answer computed afresh
        settings["listing_cache_bytes"] = 0
        settings["counts_cache_seconds"] = 0
    app = create_app(settings)
    query200 = f"site={dataset.SITE}&thread={dataset.READ_200}"
    captured: dict[str, Any] = {}

    def keep(status: str, headers: list, exc_info: Any = None) -> None:
        captured["headers"] = dict(headers)

    body = b"".join(app(_environ("GET", "/api/v1/comments", query200), keep))
    etag = captured["headers"]["ETag"]
    token_body = b"".join(app(_environ("GET", "/api/v1/config",
                                       f"site={dataset.SITE}&thread={dataset.POSTS}"), keep))
    token = json.loads(token_body)["form_token"]
    time.sleep(dataset.FORM_AGE_SECONDS)
    counter = iter(range(10**9))
    post_for = instructions.post_request("discuss", token)  # as wrk posts, Origin included

    def post() -> dict[str, Any]:
        ask = post_for(next(counter))
        return _environ(ask.method, ask.path, headers=ask.headers, body=ask.body)

    bare = Flask("bare")

    @bare.get("/api/v1/comments")
    def bare_listing() -> Response:
        return Response(body, mimetype="application/json")

    counts = "site=bench" + "".join(f"&thread={k}" for k in dataset.COUNT_KEYS)
    paths: dict[str, Callable[[], dict[str, Any]]] = {
        "read200": lambda: _environ("GET", "/api/v1/comments", query200),
        "not_modified": lambda: _environ("GET", "/api/v1/comments", query200,
                                         {"If-None-Match": etag}),
        "counts20": lambda: _environ("GET", "/api/v1/counts", counts),
        "post": post,
    }
    if not cache:
        paths = {"read200_cold": paths["read200"], "counts20_fresh": paths["counts20"]}
    out = {"bare_flask": _cpu_us(bare, paths.get("read200", paths.get("read200_cold")),
                                 REPEAT * 4)}
    for name, make in paths.items():
        repeat = REPEAT // 4 if name in ("post", "read200_cold") else REPEAT
        out[name] = _cpu_us(app, make, repeat)
    return out
