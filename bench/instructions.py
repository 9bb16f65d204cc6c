"""Instructions per answer, counted by callgrind in the workers of each target.

Rates on a shared machine move by a tenth or more from one run to the next, as much as
separates discuss's kept counts answer from what gunicorn serves with no app at all.
Instructions do not move: callgrind counts the same number for the same requests whatever
else the machine is doing. Each target is started once more, its own command and the
benchmark's settings under ``valgrind --tool=callgrind``, sent the scenario's request over
one keep-alive connection, and the instructions its workers ran while answering are divided
by the answers.

Callgrind counts user space only, and the time an instruction takes differs between
programs, machines and runs (Isso's answer is mostly SQLite's C loops). The figures say
where an answer's instructions go; the rates stay what the goals are judged by.
"""

from __future__ import annotations

import dataclasses
import http.client
import shutil
import subprocess
import time
from dataclasses import dataclass

from bench import isso
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
                   isso.count_body().encode())
    return Ask("GET", count_query, page)


def under_callgrind(server: Server) -> Server:
    """The same target on a port of its own, its gunicorn (workers too) under callgrind.

    Three settings differ, for this count only, because everything runs tens of times
    slower under callgrind: gunicorn's worker timeout and keep-alive (loading the app takes
    longer than the 30 s after which gunicorn replaces a silent worker, and zeroing the
    counters between warm-up and count can take longer than the 10 s a connection is kept),
    and discuss's counts window, which under load is recomputed once in tens of thousands
    of answers and here would be once in a hundred."""
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{server.name}.*"):
        old.unlink()
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes",
                f"--callgrind-out-file={OUT / server.name}.%p"]
    env = dict(server.env)
    if server.kind == "discuss":
        env["DISCUSS_COUNTS_CACHE_SECONDS"] = "3600"
    return dataclasses.replace(
        server, argv=[*valgrind, *server.argv, "--timeout", "600", "--keep-alive", "600"],
        env=env, port=free_port(), process=None)


def _send(connection: http.client.HTTPConnection, ask: Ask, times: int) -> None:
    for _ in range(times):
        connection.request(ask.method, ask.path, body=ask.body, headers=ask.headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{ask.method} {ask.path} answered {response.status}")


def _control(option: str, pids: list[int]) -> None:
    """``callgrind_control`` waits until each worker has done it (zeroed or dumped); it
    exits with 0 even when it finds no such process, so its words are checked too."""
    for pid in pids:
        done = subprocess.run(["callgrind_control", option, str(pid)], capture_output=True,
                              text=True, check=True, timeout=120)
        if "Error" in done.stdout + done.stderr:
            raise RuntimeError(f"callgrind_control {option} {pid}: {done.stdout.strip()}")


def _dumped(name: str, pid: int) -> int:
    """Instructions in the newest dump of one worker (its ``summary:`` line)."""
    dumps = sorted(OUT.glob(f"{name}.{pid}.*"), key=lambda path: path.stat().st_mtime)
    if not dumps:
        raise RuntimeError(f"callgrind wrote no dump for {name}, worker {pid}")
    for line in dumps[-1].read_text(errors="replace").splitlines():
        if line.startswith("summary:"):  # what callgrind_annotate gives as the total
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {dumps[-1]}")


def count(server: Server, ask: Ask, answers: int) -> int:
    """Instructions the workers of ``server`` (already started under callgrind) ran per
    answer, over ``answers`` answers after the warm-up."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        _send(connection, ask, WARMUP)
        workers = server.workers()
        if not workers:
            raise RuntimeError(f"{server.name} has no workers to count")
        _control("-z", workers)
        _send(connection, ask, answers)
        time.sleep(1.0)  # the worker finishes its bookkeeping after the last answer
        _control("-d", workers)
    finally:
        connection.close()
    return round(sum(_dumped(server.name, pid) for pid in workers) / answers)


def measure(servers: dict[str, Server], count_query: str) -> dict[str, int]:
    """Instructions per counts answer for each target that ran, in ``TARGETS``' order."""
    figures: dict[str, int] = {}
    for name in TARGETS:
        if name not in servers:
            continue
        target = under_callgrind(servers[name])
        try:
            target.start(timeout=START_TIMEOUT)
            answers = ISSO_ANSWERS if target.kind == "isso" else ANSWERS
            figures[name] = count(target, counts_request(target.kind, count_query), answers)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            # one target's count lost, not the rates of the whole run
            print(f"  instructions per counts answer, {name}: not counted ({error})",
                  flush=True)
            continue
        finally:
            target.stop()
        print(f"  instructions per counts answer, {name}: {figures[name]:,}", flush=True)
    return figures


def check_installed() -> None:
    """Before any run, so a missing valgrind does not surface after half an hour of them."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        raise RuntimeError("valgrind is not installed (apt-get install valgrind); "
                           "or leave this count out with --no-instructions")

