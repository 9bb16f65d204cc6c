"""The benchmark starts every target with its own gunicorn settings and nothing else.

discuss's production ``gunicorn.conf.py`` sits in the folder the benchmark starts discuss
and the ceiling from; read there, its ``max_requests`` would replace their workers every
few seconds under load while Isso's never are.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from gunicorn.app.wsgiapp import WSGIApplication
from werkzeug.test import Client

from bench.run import write_captured
from bench.targets import (
    ROOT,
    Server,
    ceiling_server,
    discuss_server,
    server_alone,
    server_with_headers,
)


def _gunicorn_settings(server: Server, monkeypatch: pytest.MonkeyPatch):
    """The settings gunicorn would run ``server`` with, read as gunicorn reads them."""
    monkeypatch.chdir(server.cwd)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setattr(sys, "argv", server.command())
    return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg


@pytest.mark.parametrize("make", [
    lambda: discuss_server("discuss-sqlite", "sqlite:///unused.db"),
    lambda: ceiling_server(Path("unused.json")),
    lambda: server_alone(Path("unused.json")),
    lambda: server_with_headers(Path("unused.json")),
], ids=["discuss", "ceiling", "server-alone", "server-headers"])
def test_targets_run_with_the_benchmark_settings_only(make, monkeypatch):
    server = make()
    assert (Path(server.cwd) / "gunicorn.conf.py").exists() and server.cwd == ROOT

    settings = _gunicorn_settings(server, monkeypatch)

    assert settings.max_requests == 0
    assert (settings.workers, settings.worker_class_str, settings.threads) == (2, "gthread", 4)
    assert settings.bind == [f"127.0.0.1:{server.port}"]


def test_the_server_alone_answers_as_the_ceiling_does(tmp_path, monkeypatch):
    """The bare WSGI reference serves the ceiling's statuses, headers and bytes for every
    request the benchmark sends them, so the two rates compare like with like."""
    bodies = {"/article/t200": b'{"comments": [200]}', "/article/t2000": b'{"comments": [2000]}',
              "counts": b'{"counts": {}}', "post": b'{"comment": {}}'}
    captured = tmp_path / "bodies.json"
    write_captured(captured, '"v1"', bodies, [])
    monkeypatch.setenv("BENCH_CEILING_BODIES", str(captured))
    importlib.reload(importlib.import_module("bench.captured"))
    ceiling = Client(importlib.reload(importlib.import_module("bench.ceiling")).app)
    alone = Client(importlib.reload(importlib.import_module("bench.bare_wsgi")).app)
    page = {"Origin": "http://127.0.0.1"}  # the benchmark sends it with every request
    requests = [
        ("GET", "/api/v1/comments?site=bench&thread=/article/t200", page),
        ("GET", "/api/v1/comments?site=bench&thread=/article/t2000", page),
        ("GET", "/api/v1/comments?site=bench&thread=/article/t200",
         {**page, "If-None-Match": '"v1"'}),
        ("GET", "/api/v1/counts?site=bench&thread=/a&thread=/b", page),
        ("POST", "/api/v1/comments", {**page, "Content-Type": "application/json"}),
    ]
    for method, url, headers in requests:
        expected = ceiling.open(url, method=method, headers=headers)
        answered = alone.open(url, method=method, headers=headers)
        assert (answered.status_code, answered.data) == (expected.status_code, expected.data)
        assert sorted(answered.headers.items()) == sorted(expected.headers.items())


def test_the_server_with_discusss_headers_sends_them_with_the_counts(tmp_path, monkeypatch):
    """The reference that shows what discuss's headers alone cost gunicorn sends exactly the
    headers captured from discuss's counts answer, with its bytes; anything else as the
    server alone."""
    counts = b'{"counts": {"/a": 3}}'
    sent = [("Content-Type", "application/json"), ("Content-Length", str(len(counts))),
            ("X-Content-Type-Options", "nosniff"), ("Vary", "Origin, Cookie"),
            ("Access-Control-Allow-Origin", "http://127.0.0.1"), ("X-Request-ID", "ab" * 16)]
    captured = tmp_path / "bodies.json"
    write_captured(captured, '"v1"', {"counts": counts, "post": b'{"comment": {}}'}, sent)
    monkeypatch.setenv("BENCH_CEILING_BODIES", str(captured))
    importlib.reload(importlib.import_module("bench.captured"))
    bare = importlib.reload(importlib.import_module("bench.bare_wsgi"))
    with_headers, alone = Client(bare.with_discuss_headers), Client(bare.app)

    answer = with_headers.get("/api/v1/counts?site=bench&thread=/a")
    posted = with_headers.post("/api/v1/comments")

    assert (answer.status_code, answer.data) == (200, counts)
    assert list(answer.headers.items()) == sent
    expected = alone.post("/api/v1/comments")
    assert (posted.status_code, posted.data) == (expected.status_code, expected.data)
    assert sorted(posted.headers.items()) == sorted(expected.headers.items())
