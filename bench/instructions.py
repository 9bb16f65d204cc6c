"""Instructions per answer, counted by callgrind in the workers of each target.

Rates on a shared machine move by a tenth or more from one run to the next, as much as
separates discuss's kept counts answer from what gunicorn serves with no app at all, or
decides whether a round of posts meets its goal. Instructions do not move: callgrind
counts the same number for the same requests whatever else the machine is doing. Each
target is started once more, its own command and the benchmark's settings under
``valgrind --tool=callgrind``, sent the scenario's requests over one keep-alive connection,
and the instructions its workers ran while answering are divided by the answers.

Callgrind counts user space only, and the time an instruction takes differs between
programs, machines and runs (Isso's answer is mostly SQLite's C loops). The figures say
where an answer's instructions go; the rates stay what the goals are judged by.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import dataset, isso
from bench.targets import WORK, Server, free_port
from bench.wrk import PAGE_ORIGIN

OUT = WORK / "callgrind"
WARMUP = 300  # answers before counting: connections, caches and the counts window filled
ANSWERS = 1000
ISSO_ANSWERS = 200  # each of Isso's takes about ten times as many instructions
# The counts: where discuss runs close to the server alone and the rates cannot tell.
TARGETS = ["server-alone", "server-headers", "ceiling", "discuss-sqlite", "discuss-pg", "isso"]
# The posts: where the goal's ratio to Isso moves with the machine from round to round.
# Both keep their comments in SQLite in the worker's own process, so both counts hold the
# database's work too (discuss on PostgreSQL would leave the server's out).
POST_TARGETS = ["discuss-sqlite", "isso"]
POST_WARMUP = 50  # a post runs about ten times a counts answer's instructions
POST_ANSWERS = 400
ISSO_POST_ANSWERS = 100  # each of Isso's takes about three times as many as discuss's
START_TIMEOUT = 600.0  # a worker loads its app ten to fifty times slower under callgrind


@dataclass(frozen=True)
class Ask:
    """One request, as the load generator sends it in the scenario."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    status: int = 200  # what the scenario's answer must be for the count to hold


AskFor = Callable[[int], Ask]  # the n-th request a target is sent


def counts_request(kind: str, count_query: str) -> AskFor:
    """The counts for the 20 threads: discuss's ``GET``, or Isso's ``POST /count``."""
    page = {"Origin": PAGE_ORIGIN}
    if kind == "isso":
        ask = Ask("POST", "/count", {**page, "Content-Type": "application/json"},
                  isso.count_body().encode())
    else:
        ask = Ask("GET", count_query, page)
    return lambda _n: ask


def post_request(kind: str, form_token: str) -> AskFor:
    """New comments as the posting scenario sends them (``bench/lua/*_post.lua``), each from
    a /24 of its own (behind the trusted proxy) and with a body of its own, so that none is
    refused by discuss's flood limit or Isso's guard, or held as a duplicate; every one
    must be published (201). The addresses are in 172.16.0.0/12, apart from the 10.0.0.0/8
    the posting rounds came from: Isso's guard refuses a fourth top-level comment from one
    /24 on a thread, however long ago the other three were posted."""
    text = ("Posted during the benchmark, number {n}. The figures in paragraph four deserve "
            "a closer look before anyone draws conclusions.")

    def ask(n: int) -> Ask:
        headers = {"Origin": PAGE_ORIGIN, "Content-Type": "application/json",
                   "X-Forwarded-For": f"172.{16 + n // 256 % 16}.{n % 256}.7"}
        if kind == "isso":
            body = {"author": "Bench reader", "title": "Posts", "text": text.format(n=n)}
            return Ask("POST", f"/new?uri={dataset.POSTS}", headers,
                       json.dumps(body).encode(), 201)
        body = {"site": dataset.SITE, "thread": dataset.POSTS, "author_name": "Bench reader",
                "form_token": form_token, "body": text.format(n=n)}
        return Ask("POST", "/api/v1/comments", headers, json.dumps(body).encode(), 201)

    return ask


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


def send(connection: http.client.HTTPConnection, ask_for: AskFor, numbers: range) -> None:
    """The requests ``ask_for`` makes for ``numbers``, one after the other, each answer
    checked."""
    for n in numbers:
        ask = ask_for(n)
        connection.request(ask.method, ask.path, body=ask.body, headers=ask.headers)
        response = connection.getresponse()
        response.read()
        if response.status != ask.status:
            raise RuntimeError(f"{ask.method} {ask.path} answered {response.status}, "
                               f"not {ask.status}")


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


def count(server: Server, ask_for: AskFor, warmup: int, answers: int) -> int:
    """Instructions the workers of ``server`` (already started under callgrind) ran per
    answer, over ``answers`` answers after ``warmup`` of them."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        send(connection, ask_for, range(warmup))
        workers = server.workers()
        if not workers:
            raise RuntimeError(f"{server.name} has no workers to count")
        _control("-z", workers)
        send(connection, ask_for, range(warmup, warmup + answers))
        time.sleep(1.0)  # the worker finishes its bookkeeping after the last answer
        _control("-d", workers)
    finally:
        connection.close()
    return round(sum(_dumped(server.name, pid) for pid in workers) / answers)


def measure(servers: dict[str, Server], count_query: str) -> dict[str, int]:
    """Instructions per counts answer for each target that ran, in ``TARGETS``' order."""
    return _measure(servers, TARGETS, "counts answer", WARMUP,
                    lambda kind: (counts_request(kind, count_query),
                                  ISSO_ANSWERS if kind == "isso" else ANSWERS))


def measure_posts(servers: dict[str, Server], form_token: str) -> dict[str, int]:
    """Instructions per published post for each target that ran, in ``POST_TARGETS``'
    order."""
    return _measure(servers, POST_TARGETS, "post", POST_WARMUP,
                    lambda kind: (post_request(kind, form_token),
                                  ISSO_POST_ANSWERS if kind == "isso" else POST_ANSWERS))


def _measure(servers: dict[str, Server], targets: list[str], what: str, warmup: int,
             plan: Callable[[str], tuple[AskFor, int]]) -> dict[str, int]:
    """Instructions per answer for each of ``targets`` that ran; ``plan`` gives, by the
    target's kind, its requests and how many answers to count after ``warmup``."""
    figures: dict[str, int] = {}
    for name in targets:
        if name not in servers:
            continue
        target = under_callgrind(servers[name])
        try:
            target.start(timeout=START_TIMEOUT)
            ask_for, answers = plan(target.kind)
            figures[name] = count(target, ask_for, warmup, answers)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            # one target's count lost, not the rates of the whole run
            print(f"  instructions per {what}, {name}: not counted ({error})", flush=True)
            continue
        finally:
            target.stop()
        print(f"  instructions per {what}, {name}: {figures[name]:,}", flush=True)
    return figures


def check_installed() -> None:
    """Before any run, so a missing valgrind does not surface after half an hour of them."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        raise RuntimeError("valgrind is not installed (apt-get install valgrind); "
                           "or leave this count out with --no-instructions")

