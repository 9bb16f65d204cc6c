"""bench/README.md from the figures of one run (and bench/NOTES.md, the hand-written analysis)."""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

from bench import gunicorn_settings as settings

NOTES = Path(__file__).resolve().parent / "NOTES.md"

# (scenario, reference target, reference scenario, factor, wording)
GOALS = [
    ("read200", "ceiling", "read200", 0.7, "thread read (200 comments), cached ≥ 0.7× ceiling"),
    ("read200_cold", "isso", "read200_cold", 30, "thread read (200), cache cold ≥ 30× Isso"),
    ("read2000", "ceiling", "read2000", 0.5, "first page of a 2,000-comment thread ≥ 0.5× ceiling"),
    ("not_modified", "ceiling", "not_modified", 0.8, "304 answer ≥ 0.8× ceiling"),
    ("counts20", "isso", "counts20", 10, "counts for 20 threads ≥ 10× Isso"),
    ("post", "isso", "post", 3, "posting (default spam checks) ≥ 3× Isso"),
]

SERVER_ALONE = "server-alone"  # gunicorn and a bare WSGI function (bench/bare_wsgi.py)
SERVER_WITH_HEADERS = "server-headers"  # the same, sending discuss's headers with the counts

# Scenarios without a ceiling run of their own: compared with the ceiling of the same request.
CEILING_SCENARIO = {"read200_cold": "read200", "counts20_fresh": "counts20"}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def ratio(results: dict[str, Any], scenario: str, target: str, ref_scenario: str,
          ref_target: str) -> float | None:
    """Median over rounds of (target's req/s ÷ reference's req/s in the same round), as it
    is: a goal is judged on it, and 2.9993 is not 3 (the tables cut it to three figures)."""
    mine = results.get(scenario, {}).get(target, [])
    ref = results.get(ref_scenario, {}).get(ref_target, [])
    pairs = [(m["rps"], r["rps"]) for m, r in zip(mine, ref, strict=False) if r["rps"]]
    if not pairs:
        return None
    return _median([m / r for m, r in pairs])


def _fmt_ratio(value: float | None) -> str:
    """Three significant digits, cut rather than rounded, so that a figure just short of a
    goal never reads as the goal."""
    if value is None:
        return "n/a"
    if value <= 0:
        return f"{value:.3g}×"
    scale = 10 ** (2 - math.floor(math.log10(value)))
    return f"{math.floor(value * scale + 1e-9) / scale:.3g}×"


def _discuss_targets(results: dict[str, Any], scenario: str) -> list[str]:
    return [t for t in results.get(scenario, {}) if t.startswith("discuss")]


def goal_rows(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(goal, SQLite figure, PostgreSQL figure, met on both)."""
    results = data["results"]
    rows = []
    for scenario, ref, ref_scenario, factor, wording in GOALS:
        figures = {}
        for target in _discuss_targets(results, scenario):
            backend = "pg" if "-pg" in target else "sqlite"
            figures[backend] = ratio(results, scenario, target, ref_scenario, ref)
        met = None if not figures or None in figures.values() else all(
            v >= factor for v in figures.values())
        rows.append((wording, _fmt_ratio(figures.get("sqlite")), _fmt_ratio(figures.get("pg")),
                     met))
    scale = data.get("scale")
    if scale:
        growth = {b: f["growth_pct"] for b, f in scale["backends"].items()}
        rows.append((f"200-comment listing latency, {scale['small']:,} → {scale['big']:,} "
                     "comments: ≤ +20 %", f"{growth.get('sqlite', 'n/a'):+}%",
                     f"{growth.get('pg', 'n/a'):+}%",
                     all(g <= 20 for g in growth.values())))
    rss = {k: v for k, v in data["rss_mb"].items() if k.startswith("discuss")}
    if rss:
        rows.append(("one worker's resident memory < 100 MB",
                     f"{max(v for k, v in rss.items() if 'sqlite' in k)} MB",
                     f"{max(v for k, v in rss.items() if '-pg' in k)} MB",
                     all(v < 100 for v in rss.values())))
    return rows


def _cpu_under_load(results: dict[str, Any], scenarios: list[Any]) -> list[str]:
    """The table of CPU per answer during the measured runs (none for figures without it)."""
    rows = []
    for scenario in scenarios:
        for target, runs in results.get(scenario.name, {}).items():
            measured = [r for r in runs if "user_us" in r]
            if not measured:
                continue
            postgres = [r["postgres_us"] for r in measured if "postgres_us" in r]
            figures = [_median([r["user_us"] for r in measured]),
                       _median([r["system_us"] for r in measured]),
                       _median([r["user_us"] + r["system_us"] for r in measured])]
            cells = [f"{value:,.0f}" for value in figures]
            cells.append(f"{_median(postgres):,.0f}" if postgres else "")
            rows.append(f"| {scenario.title} | {target} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["", "## CPU per answer, under load", "",
            "CPU time the target's gunicorn processes (master and workers, pinned to the "
            "server core) used during each measured run, divided by the requests wrk "
            "counted; each column the median over the rounds. At 100 % of one core a target "
            "answers about a million ÷ (user + system µs) requests a second, so these "
            "columns say where a rate's limit lies. For discuss on PostgreSQL, the CPU of "
            "PostgreSQL's processes per answer too; they are not pinned and run on either "
            "core. Read from `/proc` before each run and after the target has gone idle; "
            "left out where the answers still in hand when wrk stopped could be more than "
            "1 % of those it counted (a slow peer's runs).", "",
            "| scenario | target | user µs | system µs | user + system µs | PostgreSQL µs |",
            "|---|---|---:|---:|---:|---:|", *rows]


def _instructions(data: dict[str, Any]) -> list[str]:
    """The tables of instructions per counts answer and per post."""
    out: list[str] = []
    counted = data.get("instructions") or {}
    if counted:
        base = counted.get(SERVER_ALONE)
        rows = [f"| {name} | {value:,} | " + (f"{value / base:.3f}×" if base else "") + " |"
                for name, value in counted.items()]
        out += ["", "## Instructions per counts answer", "",
                "Counted by callgrind (`bench/instructions.py`): each target started once "
                "more with its own command and the benchmark's settings under "
                "`valgrind --tool=callgrind`, sent the counts request (as wrk sends it) over "
                "one keep-alive connection, and the instructions its workers ran divided by "
                "the answers (after a warm-up); gunicorn's worker timeout and keep-alive and "
                "discuss's counts window are lengthened for the count, as everything runs "
                "tens of times slower there. Unlike the rates these do not move with the "
                "machine's other load. *server-headers* is the server alone sending the "
                "headers discuss sent with its counts answer and doing nothing else. They "
                "are the instructions of user space only (not the kernel's, the system µs "
                "above), and the time an instruction takes differs between programs and "
                "machines (Isso's answer is mostly SQLite's C loops): they say where an "
                "answer's instructions go, the rates what they cost.", "",
                "| target | instructions per answer | × server alone |", "|---|---:|---:|",
                *rows]
    posted = data.get("post_instructions") or {}
    if posted:
        isso = posted.get("isso")
        rows = [f"| {name} | {value:,} | " + (f"{isso / value:.2f}×" if isso else "") + " |"
                for name, value in posted.items() if name != "isso"]
        if isso:
            rows.append(f"| isso | {isso:,} |  |")
        out += ["", "## Instructions per post", "",
                "Counted the same way, right after the posting rounds, on the databases they "
                "left: each target sent new comments as wrk sends them, each from an address "
                "of its own and with a body of its own, every one published (201). Both "
                "targets keep their comments in SQLite inside the worker, so the database's "
                "own work is counted too; discuss on PostgreSQL is left out, as its "
                "server's share would not be. Nor is the kernel's share (the system µs "
                "above).", "",
                "| target | instructions per post | Isso ÷ target |", "|---|---:|---:|",
                *rows]
    return out


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[value]


def render(data: dict[str, Any], scenarios: list[Any]) -> str:
    """The whole README."""
    m, a, results = data["machine"], data["args"], data["results"]
    out = ["# Benchmarks", "",
           "Generated by `make bench` (`python -m bench.run`); the analysis at the end is "
           "`bench/NOTES.md`. Raw figures: `bench/results.json`.", "",
           f"Measured {m['date']} on {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM, "
           f"Linux {m['kernel']}; Python {m['python']}, PostgreSQL {m['postgresql']}, "
           f"SQLite {m['sqlite']}, {m['wrk']}. Load average (1, 5, 15 min) before the run: "
           f"{m.get('load', '?')}, after the load runs: {m.get('load_after', '?')} (other "
           "work shares this machine; ratios within a round are what count).", "",
           "## Method", "",
           "- Every target runs under gunicorn on 127.0.0.1 with the same settings, "
           f"`bench/gunicorn_settings.py` given as its `--config` ({settings.workers} "
           f"workers, {settings.worker_class}, {settings.threads} threads each, no worker "
           "replaced during the runs), pinned with `taskset` to CPU 0; `wrk` (1 thread, "
           f"{a['connections']} connections, keep-alive) runs pinned to CPU 1. PostgreSQL "
           "itself is not pinned.",
           "- Every request carries `Origin: http://127.0.0.1`, the bench site's page, as a "
           "browser sends with each call of the embedded widget; discuss then decides CORS "
           "on every answer, as it does for real readers.",
           f"- Each cell: a {a['warmup']:g} s warm-up, then {a['runs']} rounds of "
           f"{a['duration']:g} s; within a round every target runs one after the other, so a "
           "ratio compares runs made seconds apart. Figures are medians over the rounds; "
           "ratios are medians of the per-round ratios. After each run the benchmark waits "
           "until the target's processes stop using CPU (a slow peer is still answering "
           "for seconds after wrk stops), so no target shares the server core with the "
           "leftovers of another.",
           "- The same data in every target: a 200-comment thread (50 top-level comments, "
           "replies up to 8 deep), a 2,000-comment thread (500 top-level) and 20 small "
           "threads, each comment a paragraph or two of Markdown. discuss is seeded in bulk "
           "(`bench/seed.py`); Isso through its own API.",
           f"- discuss pages hold 50 top-level comments with their replies (the default): the "
           f"200-comment thread is one page ({data['sizes'].get('/article/t200', 0):,} bytes), "
           f"the 2,000-comment thread's first page holds 245 comments "
           f"({data['sizes'].get('/article/t2000', 0):,} bytes). Isso answers the whole "
           "thread, as its widget asks by default.",
           "- The ceiling is a bare Flask app (`bench/ceiling.py`) answering each request "
           "with the bytes discuss gave for it, captured before the runs. Where discuss "
           "answers near or above it (the 304, the counts), *server alone* is gunicorn "
           "with a bare WSGI function serving the same bytes (`bench/bare_wsgi.py`): no "
           "framework at all, a rate no app served by gunicorn can be expected to pass; in "
           "the counts, *server-headers* is the same function sending the headers discuss "
           "sent with its counts answer (security, CORS, `Vary`, request id), which "
           "gunicorn checks and writes one by one.",
           "- *Cold* reads run against the same database with the listing cache switched off "
           "(`DISCUSS_LISTING_CACHE_BYTES=0`): every request then does what the first read "
           "after a change does. The same servers answer the *counts, every answer current* "
           "row, without the seconds a worker otherwise keeps a counts answer for "
           "(`DISCUSS_COUNTS_CACHE_SECONDS=0`).",
           "- Posting: discuss with its default spam checks, each request from its own address "
           "(`X-Forwarded-For` behind a trusted proxy, so per-client rate limits stay on); Isso "
           "with its default guard, the same way. Isso has no conditional requests (no ETag).",
           "", "## Goals", "",
           "| goal | SQLite | PostgreSQL | met |", "|---|---|---|---|"]
    for wording, sqlite, pg, met in goal_rows(data):
        out.append(f"| {wording} | {sqlite} | {pg} | {_met(met)} |")
    out += ["", "## Results", "",
            "| scenario | target | req/s | p50 ms | p99 ms | errors | × Isso | × ceiling "
            "| × server alone |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scenario in scenarios:
        for target, runs in results.get(scenario.name, {}).items():
            if not runs:
                continue
            vs_isso = vs_ceiling = vs_server = ""
            if target.startswith("discuss") or target == SERVER_WITH_HEADERS:
                vs_isso = _fmt_ratio(ratio(results, scenario.name, target, scenario.name,
                                           "isso"))
                if SERVER_ALONE in results.get(scenario.name, {}):  # same rounds only
                    vs_server = _fmt_ratio(ratio(results, scenario.name, target,
                                                 scenario.name, SERVER_ALONE))
            if target.startswith("discuss"):
                ceiling_scenario = CEILING_SCENARIO.get(scenario.name, scenario.name)
                vs_ceiling = _fmt_ratio(ratio(results, scenario.name, target, ceiling_scenario,
                                              "ceiling"))
            out.append(
                f"| {scenario.title} | {target} | {_median([r['rps'] for r in runs]):,.1f} | "
                f"{_median([r['p50_ms'] for r in runs]):.2f} | "
                f"{_median([r['p99_ms'] for r in runs]):.2f} | "
                f"{sum(r['errors'] for r in runs)} | {vs_isso} | {vs_ceiling} | {vs_server} |")
    out += _cpu_under_load(results, scenarios)
    out += _instructions(data)
    costs = data.get("cpu_us")
    if costs:
        labels = {"bare_flask": "bare Flask answering the same bytes",
                  "read200": "read 200-comment thread, cached", "not_modified": "304 answer",
                  "counts20": "counts for 20 threads (a kept answer)", "post": "post a comment",
                  "read200_cold": "read 200-comment thread, cache cold",
                  "counts20_fresh": "counts for 20 threads, no window"}
        backends = list(costs)
        out += ["", "## CPU per request, in one process", "",
                "What the app itself costs, measured with `time.process_time` over hundreds of "
                "requests sent straight to the WSGI app (no HTTP server, no network): less "
                "affected by other load on the machine than the rates, though a shared CPU's "
                "speed still moves it; compare each path with the bare Flask answer of the "
                "same column. The database server's CPU is not included. See "
                "`bench/cost.py`.", "",
                "| path | " + " | ".join(f"{b} µs" for b in backends) + " |",
                "|---|" + "---:|" * len(backends)]
        for key, label in labels.items():
            if all(key in costs[b] for b in backends):
                out.append(f"| {label} | " + " | ".join(f"{costs[b][key]:,.0f}"
                                                        for b in backends) + " |")
    scale = data.get("scale")
    if scale:
        out += ["", "## Scale: 10 thousand vs 1 million comments", "",
                f"Listing `{scale['thread']}` (200 comments) with the cache off, one connection, "
                "medians of the rounds. Every thread in these databases has 200 comments.", "",
                "| backend | comments | seeded in | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
        for backend, figures in scale["backends"].items():
            for size in (scale["small"], scale["big"]):
                f = figures[str(size)]
                seeded = f"{f['seed_seconds']} s" if f["seed_seconds"] else "kept"
                out.append(f"| {backend} | {size:,} | {seeded} | {f['p50_ms']:.2f} | "
                           f"{f['p99_ms']:.2f} |")
            out.append(f"| {backend} | growth | | {figures['growth_pct']:+}% | |")
    out += ["", "## Memory", "", "Largest resident set of one gunicorn worker after the runs.",
            "", "| target | MB |", "|---|---:|"]
    for name, mb in data["rss_mb"].items():
        out.append(f"| {name} | {mb} |")
    if data.get("profiles"):
        out += ["", "## Profiles of the hot paths", "",
                "py-spy samples of both workers under load (500 Hz, busy samples only). "
                "*By package*: the innermost frame of each sample, i.e. where the CPU was; "
                "*inside*: samples with the function anywhere on the stack. The heaviest "
                "stacks are in `bench/profiles/`.", ""]
        for name, summary in data["profiles"].items():
            out += [f"**{name}** ({summary['samples']} samples)", "",
                    "- by package: " + ", ".join(f"{p} {v}%" for p, v in summary["packages"]),
                    "- inside: " + ", ".join(f"{p} {v}%" for p, v in summary["inside"]), ""]
    out += ["", "## Commands", "",
            "    make bench                  # everything, ~45 minutes on 2 CPUs",
            "    .venv/bin/python -m bench.run --quick   # one short round, to try the harness",
            "    .venv/bin/python -m bench.run --scenarios post counts20 --scale 0 --no-profile \\",
            "        --output /tmp/b/README.md       # some scenarios, every peer, its own table",
            "    .venv/bin/python -m bench.seed --database-url URL [--scale 1000000]", ""]
    if NOTES.exists():
        out += [NOTES.read_text().rstrip(), ""]
    return "\n".join(out)


def summary(data: dict[str, Any], scenarios: list[Any]) -> str:
    """The goals table for the terminal."""
    return "\n".join(f"{_met(met):6} {wording}: SQLite {sqlite}, PostgreSQL {pg}"
                     for wording, sqlite, pg, met in goal_rows(data))
