"""The benchmark's instruction counts: each target's workers under callgrind, the
instructions they ran per answer, for figures that do not move with the machine's load."""

from __future__ import annotations

import shutil

import pytest

from bench import instructions
from bench.run import COUNT_QUERY, write_captured
from bench.targets import server_alone, server_with_headers
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
