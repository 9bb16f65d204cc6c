"""Instructions per answer, counted by callgrind in the workers of each target.

Rates on a shared machine move by a tenth or more from one run to the next, as much as
separates discuss's kept counts answer from what gunicorn serves with no app at all.
Instructions do not move: callgrind counts the same number for the same requests whatever
else the machine is doing. Each target is started once more, its own command and the
benchmark's settings under ``valgrind --tool=callgrind``, sent the scenario's request over
one keep-alive connection, and the instructions its workers ran while answering are divided
by the answers.

Callgrind counts user space only, and the time an instruction takes differs between
programs and machines (Isso's answer is mostly SQLite's C loops; on one machine the server
alone with discuss's headers ran a tenth more instructions than without them in the same
CPU time). The figures say where an answer's instructions go; the rates stay what the goals
are judged by.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import shutil
import subprocess
import time
from dataclasses import dataclass

from bench import dataset
from bench.targets import WORK, Server, free_port
from bench.wrk import PAGE_ORIGIN

OUT = WORK / "callgrind"
WARMUP = 300  # answers before counting: connections, caches and the counts window filled
ANSWERS = 1000
ISSO_ANSWERS = 200  # each of Isso's takes about ten times as many instructions
# The counts: where discuss runs close to the server alone and the rates cannot tell.
TARGETS = ["server-alone", "server-headers", "ceiling", "discuss-sqlite", "discuss-pg", "isso"]
START_TIMEOUT = 600.0  # a worker loads its app ten to fifty times slower under callgrind


@dataclass(frozen=True)
class Ask:
    """One request, as the load generator sends it in the scenario."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


def counts_request(kind: str, count_query: str) -> Ask:
    """The counts for the 20 threads: discuss's ``GET``, or Isso's ``POST /count``."""
    page = {"Origin": PAGE_ORIGIN}
    if kind == "isso":
        return Ask("POST", "/count", {**page, "Content-Type": "application/json"},
                   json.dumps(dataset.COUNT_KEYS).encode())
    return Ask("GET", count_query, page)


def under_callgrind(server: Server) -> Server:
    """The same target on a port of its own, its gunicorn (workers too) under callgrind.

    gunicorn's worker timeout is raised for it only: loading the app under callgrind takes
    longer than the 30 s after which gunicorn would replace a silent worker."""
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{server.name}.*"):
        old.unlink()
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes",
                f"--callgrind-out-file={OUT / server.name}.%p"]
    return dataclasses.replace(server, argv=[*valgrind, *server.argv, "--timeout", "600"],
                               port=free_port(), process=None)


def _send(connection: http.client.HTTPConnection, ask: Ask, times: int) -> None:
    for _ in range(times):
        connection.request(ask.method, ask.path, body=ask.body, headers=ask.headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{ask.method} {ask.path} answered {response.status}")


def _control(option: str, pids: list[int]) -> None:
    """``callgrind_control`` waits until each worker has done it (zeroed or dumped)."""
    for pid in pids:
        subprocess.run(["callgrind_control", option, str(pid)], capture_output=True,
                       check=True, timeout=120)


def _dumped(name: str, pid: int) -> int:
    """Instructions in the newest dump of one worker (its ``summary:`` line)."""
    dumps = sorted(OUT.glob(f"{name}.{pid}.*"), key=lambda path: path.stat().st_mtime)
    if not dumps:
        raise RuntimeError(f"callgrind wrote no dump for {name}, worker {pid}")
    for line in dumps[-1].read_text(errors="replace").splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {dumps[-1]}")


def count(server: Server, ask: Ask, answers: int) -> int:
    """Instructions the workers of ``server`` (already started under callgrind) ran per
    answer, over ``answers`` answers after the warm-up."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        _send(connection, ask, WARMUP)
        workers = server.workers()
        _control("-z", workers)
        _send(connection, ask, answers)
        time.sleep(1.0)  # the worker finishes its bookkeeping after the last answer
        _control("-d", workers)
    finally:
        connection.close()
    return round(sum(_dumped(server.name, pid) for pid in workers) / answers)


def measure(servers: dict[str, Server], count_query: str) -> dict[str, int]:
    """Instructions per counts answer for each target that ran, in ``TARGETS``' order."""
    if not shutil.which("valgrind"):
        raise RuntimeError("valgrind is not installed (apt-get install valgrind); "
                           "or leave this count out with --no-instructions")
    figures: dict[str, int] = {}
    for name in TARGETS:
        if name not in servers:
            continue
        target = under_callgrind(servers[name])
        try:
            target.start(timeout=START_TIMEOUT)
            answers = ISSO_ANSWERS if target.kind == "isso" else ANSWERS
            figures[name] = count(target, counts_request(target.kind, count_query), answers)
        finally:
            target.stop()
        print(f"  instructions per counts answer, {name}: {figures[name]:,}", flush=True)
    return figures


def relative(figures: dict[str, int], reference: str = "server-alone") -> dict[str, float]:
    """Each target's instructions per answer as a multiple of the server alone's."""
    base = figures.get(reference)
    return {name: round(value / base, 3) for name, value in figures.items()} if base else {}

