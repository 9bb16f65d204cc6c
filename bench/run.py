"""The load benchmark: discuss (SQLite and PostgreSQL) against Isso and a bare-Flask ceiling.

    make bench                      # or: .venv/bin/python -m bench.run
    python -m bench.run --quick     # one short run per cell, to try the harness

Every target runs under gunicorn with the same worker settings on the server core; wrk runs
on the other core. Each scenario is measured for every target in turn, three rounds, and
the medians are written to bench/README.md with the ratios of each round.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg

from bench import cost, dataset, instructions, isso, profile, report, scale
from bench.targets import (
    WORK,
    Server,
    ceiling_server,
    discuss_server,
    postgres_cpu_seconds,
    server_alone,
    server_with_headers,
)
from bench.wrk import PAGE_ORIGIN, Load, Result, run, wrk_version

PG_ADMIN = "postgresql://127.0.0.1:5432/test"
PG_BENCH_DB = "discuss_bench"
GUNICORNS_OWN_HEADERS = {"Server", "Date", "Connection"}  # it adds them to every answer
COUNT_QUERY = "/api/v1/counts?site=bench" + "".join(f"&thread={k}" for k in dataset.COUNT_KEYS)


def write_captured(path: Path, etag: str, bodies: dict[str, bytes],
                   counts_headers: list[tuple[str, str]]) -> None:
    """The file the reference targets serve from (``bench/captured.py`` reads it)."""
    path.write_text(json.dumps({
        "etag": etag,
        "bodies": {key: base64.b64encode(body).decode() for key, body in bodies.items()},
        "counts_headers": [[name, value] for name, value in counts_headers],
    }))


def listing(key: str) -> str:
    return f"/api/v1/comments?site={dataset.SITE}&thread={key}"


@dataclass
class Scenario:
    """A request pattern, and which targets take part."""

    name: str
    title: str
    targets: list[str]


SCENARIOS = [
    Scenario("read200", "read a 200-comment thread (cached)",
             ["discuss-sqlite", "discuss-pg", "isso", "ceiling"]),
    Scenario("read200_cold", "read a 200-comment thread, cache cold (right after a change)",
             ["discuss-sqlite-cold", "discuss-pg-cold", "isso"]),
    Scenario("read2000", "first page of a 2,000-comment thread",
             ["discuss-sqlite", "discuss-pg", "isso", "ceiling"]),
    Scenario("not_modified", "conditional read answered 304",
             ["discuss-sqlite", "discuss-pg", "ceiling", "server-alone"]),
    Scenario("counts20", "counts for 20 threads",
             ["discuss-sqlite", "discuss-pg", "isso", "ceiling", "server-alone",
              "server-headers"]),
    Scenario("counts20_fresh", "counts for 20 threads, every answer current (no window)",
             ["discuss-sqlite-cold", "discuss-pg-cold", "isso"]),
    Scenario("post", "post a comment (default spam checks)",
             ["discuss-sqlite", "discuss-pg", "isso", "ceiling"]),
]


class Bench:
    """Holds the running targets and what was captured from them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.servers: dict[str, Server] = {}
        self.etags: dict[str, str] = {}
        self.form_token = ""
        self.instructions: dict[str, int] = {}  # per counts answer, by target
        self.post_instructions: dict[str, int] = {}  # per published post, by target

    # -- set-up -----------------------------------------------------------------------
    def prepare_databases(self) -> dict[str, str]:
        sqlite_path = WORK / "discuss-bench.db"
        for path in WORK.glob("discuss-bench.db*"):
            path.unlink()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
        urls = {"sqlite": f"sqlite:///{sqlite_path}",
                "pg": PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"}
        for name, url in urls.items():
            out = subprocess.run([sys.executable, "-m", "bench.seed", "--database-url", url],
                                 capture_output=True, text=True, check=True)
            print(f"  seeded discuss-{name}: {out.stdout.strip()}", flush=True)
        return urls

    def start(self) -> None:
        urls = self.database_urls = self.prepare_databases()
        for backend, url in urls.items():
            for cold in (False, True):
                name = f"discuss-{backend}" + ("-cold" if cold else "")
                self.servers[name] = discuss_server(name, url, cache=not cold).start()
        self.capture()
        # serving the bytes just captured
        for reference in (ceiling_server, server_alone, server_with_headers):
            server = reference(WORK / "ceiling-bodies.json").start()
            self.servers[server.name] = server
            self.etags[server.name] = self.etags["discuss-sqlite"]
        if not self.args.no_isso:
            print(f"  isso {isso.ensure_installed()}", flush=True)
            self.servers["isso"] = isso.isso_server().start()
            started = time.monotonic()
            posted = isso.seed(self.servers["isso"])
            print(f"  seeded isso through its API: {posted} comments in "
                  f"{time.monotonic() - started:.0f} s", flush=True)

    def _get(self, server: Server, path: str, headers: dict[str, str] | None = None
             ) -> tuple[bytes, Message]:
        """The body and the headers (every one, repeated ones too) of one answer."""
        request = urllib.request.Request(server.url + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), response.headers

    def capture(self) -> None:
        """Form token, ETags, and the exact bodies the ceiling will serve."""
        source = self.servers["discuss-sqlite"]
        config, _ = self._get(source, f"/api/v1/config?site=bench&thread={dataset.POSTS}")
        self.form_token = json.loads(config)["form_token"]
        bodies = {}
        for key in (dataset.READ_200, dataset.READ_2000):
            bodies[key], headers = self._get(source, listing(key))
        for name, server in self.servers.items():
            self.etags[name] = self._get(server, listing(dataset.READ_200))[1]["ETag"]
        bodies["counts"], counts_headers = self._get(source, COUNT_QUERY,
                                                     {"Origin": PAGE_ORIGIN})
        time.sleep(dataset.FORM_AGE_SECONDS)
        request = urllib.request.Request(
            source.url + "/api/v1/comments", method="POST",
            data=json.dumps({"site": "bench", "thread": "/article/capture", "body": "Captured.",
                             "form_token": self.form_token, "author_name": "Bench reader"}
                            ).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": "10.255.255.1"})
        with urllib.request.urlopen(request, timeout=30) as response:
            bodies["post"] = response.read()
        write_captured(WORK / "ceiling-bodies.json", self.etags["discuss-sqlite"], bodies,
                       [(name, value) for name, value in counts_headers.items()
                        if name not in GUNICORNS_OWN_HEADERS])
        self.sizes = {k: len(v) for k, v in bodies.items()}

    def scenarios(self) -> list[Scenario]:
        """The scenarios asked for (all by default), in the table's order."""
        wanted = self.args.scenarios
        return [s for s in SCENARIOS if not wanted or s.name in wanted]

    # -- loads ------------------------------------------------------------------------
    def load(self, scenario: str, target: str) -> Load:
        kind = self.servers[target].kind
        if scenario in ("read200", "read200_cold", "read2000"):
            key = dataset.READ_2000 if scenario == "read2000" else dataset.READ_200
            return Load(f"/?uri={key}") if kind == "isso" else Load(listing(key))
        if scenario == "not_modified":
            return Load(listing(dataset.READ_200), "conditional",
                        {"BENCH_ETAG": self.etags[target]})
        if scenario in ("counts20", "counts20_fresh"):
            if kind == "isso":
                return Load("/count", "isso_counts", {"BENCH_COUNT_BODY": isso.count_body()})
            return Load(COUNT_QUERY)
        if kind == "isso":
            return Load("/new", "isso_post", {"BENCH_POST_THREAD": dataset.POSTS})
        return Load("/api/v1/comments", "discuss_post",
                    {"BENCH_FORM_TOKEN": self.form_token, "BENCH_POST_THREAD": dataset.POSTS})

    def measure(self) -> dict[str, dict[str, list[dict[str, float]]]]:
        results: dict[str, dict[str, list[dict[str, float]]]] = {}
        a = self.args
        for scenario in self.scenarios():
            targets = [t for t in scenario.targets if t in self.servers]
            results[scenario.name] = {t: [] for t in targets}
            for target in targets:
                run(self.servers[target].url, self.load(scenario.name, target), a.warmup,
                    a.connections)
                self.servers[target].wait_idle()
            for round_no in range(a.runs):
                for target in targets:
                    duration, connections = a.duration, a.connections
                    if target == "isso" and scenario.name == "read2000":
                        # Several seconds per answer: fewer connections, a longer run, so
                        # that whole answers are counted (wrk counts only finished ones).
                        duration, connections = max(duration, 30.0), 2
                    server = self.servers[target]
                    before = cpu_snapshot(server)
                    result: Result = run(server.url, self.load(scenario.name, target),
                                         duration, connections)
                    server.wait_idle()
                    results[scenario.name][target].append(
                        {**result.as_dict(),
                         **cpu_per_answer(server, before, result, connections)})
                    print(f"  {scenario.name:13} round {round_no + 1} {target:20} "
                          f"{result.rps:9.1f} req/s  p50 {result.p50_ms:8.2f} ms  "
                          f"p99 {result.p99_ms:8.2f} ms  errors {result.errors}", flush=True)
            if scenario.name == "counts20" and not a.no_instructions:
                # On the data the rates saw: Isso's counts answer counts every comment in
                # its database, and the posting scenario adds thousands.
                self.instructions = instructions.measure(self.servers, COUNT_QUERY)
            if scenario.name == "post" and not a.no_instructions:
                # On the databases the posting rounds left, as for the counts above.
                self.post_instructions = instructions.measure_posts(self.servers,
                                                                    self.form_token)
        return results

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def uses_postgres(server: Server) -> bool:
    """Whether the server's statements run on PostgreSQL (whose CPU then counts too)."""
    return server.env.get("DISCUSS_DATABASE_URL", "").startswith("postgresql")


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds used so far: the server's user and system time, and PostgreSQL's where
    the server uses it."""
    user, system = server.cpu_times()
    spent = {"user_us": user, "system_us": system}
    if uses_postgres(server):
        spent["postgres_us"] = postgres_cpu_seconds()
    return spent


def cpu_per_answer(server: Server, before: dict[str, float], result: Result,
                   connections: int) -> dict[str, float]:
    """Microseconds of CPU per answered request since ``before``: what the server's
    processes spent on each (user, system) and PostgreSQL's processes, wherever they ran.

    Taken after the server went idle, so the answers still in hand when wrk stopped (at
    most one per connection) count their CPU but not themselves. Where they could be more
    than 1 % of the answers counted (a slow peer's few answers), no figure is given.
    """
    if result.requests < 100 * connections:
        return {}
    now = cpu_snapshot(server)
    return {name: round((now[name] - then) / result.requests * 1e6, 1)
            for name, then in before.items()}


def machine() -> dict[str, str]:
    """Facts of the machine the figures come from."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    mem = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/meminfo").read_text()
                .splitlines() if ln.startswith("MemTotal")), "")
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-d", "test", "-Atc", "show server_version"],
                        capture_output=True, text=True).stdout.strip()
    import sqlite3

    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "cpus": str(os.cpu_count()),
            "memory": mem, "kernel": platform.release(), "python": platform.python_version(),
            "postgresql": pg, "sqlite": sqlite3.sqlite_version, "wrk": wrk_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before the runs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--scale", type=int, default=1_000_000,
                        help="comments in the big database of the scale test (0 skips it)")
    parser.add_argument("--scenarios", nargs="+", choices=[s.name for s in SCENARIOS],
                        help="measure only these scenarios (default: all)")
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-instructions", action="store_true",
                        help="skip counting instructions per counts answer and per post "
                             "under callgrind")
    parser.add_argument("--quick", action="store_true", help="1 run of 3 s, small scale test")
    parser.add_argument("--output", default=str(Path(__file__).parent / "README.md"))
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.runs, args.scale = 3.0, 1.0, 1, 20_000
        args.no_instructions = True
    WORK.mkdir(parents=True, exist_ok=True)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)  # before the runs, not after
    if not args.no_instructions:
        instructions.check_installed()

    facts = machine()
    print(f"discuss benchmark on {facts['cpu']} ({facts['cpus']} CPUs)", flush=True)
    bench = Bench(args)
    try:
        bench.start()
        data: dict[str, Any] = {
            "machine": facts, "args": vars(args), "results": bench.measure(),
            "rss_mb": {name: server.worker_rss_mb() for name, server in bench.servers.items()},
            "sizes": bench.sizes, "instructions": bench.instructions,
            "post_instructions": bench.post_instructions}
        saved = Path(args.output).with_name("results.json")  # beside its table
        saved.write_text(json.dumps(data, indent=1))
        data["profiles"] = {} if args.no_profile else profile.hot_paths(bench, args)
    finally:
        bench.stop()
    facts["load_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    costs = data["cpu_us"] = {}
    for backend, url in bench.database_urls.items():
        costs[backend] = {**cost.measure(url), **cost.measure(url, cache=False)}
        print(f"  CPU per request, {backend}: {costs[backend]}", flush=True)
    data["scale"] = None
    saved.write_text(json.dumps(data, indent=1))  # the load figures survive a failed scale run
    data["scale"] = scale.compare(args.scale, args) if args.scale else None
    saved.write_text(json.dumps(data, indent=1))
    Path(args.output).write_text(report.render(data, bench.scenarios()))
    print(f"wrote {args.output}", flush=True)
    print(report.summary(data, bench.scenarios()))


if __name__ == "__main__":
    main()
