"""The benchmark's instruction counts: each target's workers under callgrind, the
instructions they ran per answer, for figures that do not move with the machine's load."""

from __future__ import annotations

import http.client
import json
import shutil
import time

import pytest

from bench import dataset, instructions, seed
from bench.run import COUNT_QUERY, write_captured
from bench.targets import discuss_server, server_alone, server_with_headers
from tests.conftest import require_service


@pytest.fixture
def callgrind(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("no database involved: counted once, in the SQLite run")
    require_service("valgrind", shutil.which("valgrind") is not None)


def test_more_headers_count_as_more_instructions_per_answer(callgrind, tmp_path, monkeypatch):
    counts = b'{"counts": {}}'
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(counts))),
               *[(f"X-Extra-{n}", "x" * 40) for n in range(8)]]
    captured = tmp_path / "bodies.json"
    write_captured(captured, '"v1"', {"counts": counts}, headers)
    monkeypatch.setattr(instructions, "OUT", tmp_path / "callgrind")
    monkeypatch.setattr(instructions, "WARMUP", 20)
    monkeypatch.setattr(instructions, "ANSWERS", 100)
    servers = {server.name: server
               for server in (server_alone(captured), server_with_headers(captured))}

    figures = instructions.measure(servers, COUNT_QUERY)

    # gunicorn checks and writes each header: eight more cost thousands of instructions each
    assert 50_000 < figures["server-alone"] < figures["server-headers"] - 8 * 2_000


def test_the_counted_posts_are_published_by_discuss_each_one(backend, tmp_path):
    """The posts counted under callgrind must be what the posting scenario measures: new
    comments published (201), none refused by the flood limit (429) nor held as a
    duplicate (202), or the count would be of another path."""
    if backend != "sqlite":
        pytest.skip("the benchmark's discuss on SQLite is the one counted; run once")
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    seed.seed(url, benchmark=False)
    server = discuss_server("discuss-counted-posts", url).start()
    try:
        config = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        config.request("GET", f"/api/v1/config?site={dataset.SITE}&thread={dataset.POSTS}")
        token = json.loads(config.getresponse().read())["form_token"]
        config.close()
        time.sleep(3.5)  # older than the timing check's minimum, as in the benchmark
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        # more than the flood limit's 5 a minute for one address, had they shared one
        instructions.send(connection, instructions.post_request("discuss", token), range(12))
        connection.request("GET", f"/api/v1/comments?site={dataset.SITE}&thread={dataset.POSTS}")
        listing = json.loads(connection.getresponse().read())
        connection.close()
    finally:
        server.stop()

    bodies = [comment["html"] for comment in listing["comments"]]
    assert len(bodies) == 12 and len(set(bodies)) == 12


def test_a_refused_post_stops_the_count(backend, tmp_path):
    """``send`` checks every answer: a post answered otherwise than published is an error,
    not a figure."""
    if backend != "sqlite":
        pytest.skip("no database involved: run once")
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    seed.seed(url, benchmark=False)
    server = discuss_server("discuss-refused-posts", url).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        with pytest.raises(RuntimeError, match="answered 422, not 201"):
            # no site, thread or body: refused by the schema
            instructions.send(connection, lambda n: instructions.Ask(
                "POST", "/api/v1/comments", {"Content-Type": "application/json"}, b"{}", 201),
                range(1))
        connection.close()
    finally:
        server.stop()
