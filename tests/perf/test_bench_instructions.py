"""The benchmark's instruction counts: each target's workers under callgrind, the
instructions they ran per answer, for figures that do not move with the machine's load."""

from __future__ import annotations

import http.client
import ipaddress
import json
import shutil
import time
from collections.abc import Iterator

import pytest

from bench import dataset, instructions, seed
from bench.run import COUNT_QUERY, write_captured
from bench.targets import Server, discuss_server, server_alone, server_with_headers
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


@pytest.fixture
def bench_discuss(backend: str, tmp_path) -> Iterator[Server]:
    """discuss under gunicorn as the benchmark starts it, on a database with the bench site."""
    if backend != "sqlite":
        pytest.skip("the benchmark's discuss on SQLite is the one counted; run once")
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    seed.seed(url, benchmark=False)
    server = discuss_server("discuss-counted-posts", url).start()
    try:
        yield server
    finally:
        server.stop()


def test_the_counted_posts_are_published_by_discuss_each_one(bench_discuss):
    """The posts counted under callgrind must be what the posting scenario measures: new
    comments published (201), none refused by the flood limit (429) nor held as a
    duplicate (202), or the count would be of another path."""
    config = http.client.HTTPConnection("127.0.0.1", bench_discuss.port, timeout=30)
    config.request("GET", f"/api/v1/config?site={dataset.SITE}&thread={dataset.POSTS}")
    token = json.loads(config.getresponse().read())["form_token"]
    config.close()
    time.sleep(dataset.FORM_AGE_SECONDS)
    connection = http.client.HTTPConnection("127.0.0.1", bench_discuss.port, timeout=30)
    # more than the flood limit's 5 a minute for one address, had they shared one
    instructions.send(connection, instructions.post_request("discuss", token), range(12))
    connection.request("GET", f"/api/v1/comments?site={dataset.SITE}&thread={dataset.POSTS}")
    listing = json.loads(connection.getresponse().read())
    connection.close()

    bodies = [comment["html"] for comment in listing["comments"]]
    assert len(bodies) == 12 and len(set(bodies)) == 12


def test_an_answer_other_than_the_expected_stops_the_count(bench_discuss):
    """``send`` checks every answer: a post answered otherwise than published is an error,
    not a figure."""
    connection = http.client.HTTPConnection("127.0.0.1", bench_discuss.port, timeout=30)
    refused = instructions.Ask("POST", "/api/v1/comments", {"Content-Type": "application/json"},
                               b"{}", 201)  # no site, thread or body: refused by the schema
    with pytest.raises(RuntimeError, match="answered 422, not 201"):
        instructions.send(connection, lambda _n: refused, range(1))
    connection.close()


@pytest.mark.parametrize("kind", ["discuss", "isso"])
def test_every_counted_post_comes_from_a_slash_24_of_its_own(kind):
    """Isso's guard refuses a fourth top-level comment from one /24 on a thread, however
    long ago the others came, and discuss's flood limit a sixth from one address in a
    minute; the counted posts also stay out of the 10.0.0.0/8 the posting rounds used."""
    numbers = range(instructions.POST_WARMUP + instructions.POST_ANSWERS)
    asks = [instructions.post_request(kind, "token")(n) for n in numbers]
    networks = {ipaddress.ip_network(f"{ask.headers['X-Forwarded-For']}/24", strict=False)
                for ask in asks}

    assert len(networks) == len(asks)
    assert not any(network.subnet_of(ipaddress.ip_network("10.0.0.0/8"))
                   for network in networks)
    assert len({ask.body for ask in asks}) == len(asks)
    assert {ask.status for ask in asks} == {201}
