"""Scale: listing latency of a 200-comment thread in a database of 10 thousand comments and
in one of a million (threads of 200 comments each), with the listing cache off so that
every request reads the database. Seeded databases are kept in bench/.work for re-runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

import psycopg

from bench.seed import SCALE_PREFIX
from bench.targets import WORK, discuss_server
from bench.wrk import Load, run

PG_ADMIN = "postgresql://127.0.0.1:5432/test"
SMALL = 10_000
THREAD = f"{SCALE_PREFIX}{25:06d}"  # present in both databases; every scale thread is alike


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _pg_count(name: str) -> int:
    try:
        with psycopg.connect(_pg_url(name), connect_timeout=3) as conn:
            return conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    except psycopg.Error:
        return -1


def _sqlite_count(path: Any) -> int:
    import sqlite3

    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    except sqlite3.Error:
        return -1


def database(backend: str, comments: int) -> tuple[str, float | None]:
    """A database holding exactly ``comments`` scale comments (seeded unless kept from before)."""
    if backend == "pg":
        name = f"discuss_scale_{comments}"
        url = _pg_url(name)
        if _pg_count(name) == comments:
            return url, None
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = WORK / f"scale-{comments}.db"
        url = f"sqlite:///{path}"
        if _sqlite_count(path) == comments:
            return url, None
        for old in WORK.glob(f"scale-{comments}.db*"):
            old.unlink()
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bench.seed", "--database-url", url, "--scale",
                    str(comments), "--no-benchmark-threads"], check=True, capture_output=True)
    return url, round(time.monotonic() - started, 1)


def compare(big: int, args: Any) -> dict[str, Any]:
    """p50 latency at one connection (no queueing), medians of the runs, per backend."""
    out: dict[str, Any] = {"thread": THREAD, "small": SMALL, "big": big, "backends": {}}
    load = Load(f"/api/v1/comments?site=bench&thread={THREAD}")
    for backend in ("pg", "sqlite"):
        figures: dict[str, Any] = {}
        servers = {}
        for size in (SMALL, big):
            url, seeded = database(backend, size)
            figures[str(size)] = {"seed_seconds": seeded, "runs": []}
            print(f"  scale {backend} {size:,} comments ready"
                  + (f" (seeded in {seeded} s)" if seeded else " (kept)"), flush=True)
            servers[size] = discuss_server(f"scale-{backend}-{size}", url, cache=False).start()
        try:
            for server in servers.values():
                run(server.url, load, args.warmup, 1)
            for _ in range(args.runs):
                for size, server in servers.items():
                    result = run(server.url, load, args.duration, 1)
                    figures[str(size)]["runs"].append(result.as_dict())
                    print(f"  scale {backend} {size:>9,} p50 {result.p50_ms:6.2f} ms "
                          f"p99 {result.p99_ms:6.2f} ms {result.rps:7.1f} req/s", flush=True)
        finally:
            for server in servers.values():
                server.stop()
        for size in (SMALL, big):
            runs = figures[str(size)]["runs"]
            figures[str(size)]["p50_ms"] = statistics.median(r["p50_ms"] for r in runs)
            figures[str(size)]["p99_ms"] = statistics.median(r["p99_ms"] for r in runs)
        growth = [b["p50_ms"] / s["p50_ms"] - 1 for s, b in
                  zip(figures[str(SMALL)]["runs"], figures[str(big)]["runs"], strict=True)]
        figures["growth_pct"] = round(100 * statistics.median(growth), 1)
        out["backends"][backend] = figures
    return out
