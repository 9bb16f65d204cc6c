"""Profiles of the hot paths: py-spy samples the discuss workers while wrk drives them."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench.targets import WORK
from bench.wrk import run

# (scenario, target): the paths whose cost matters most.
HOT = [("read200", "discuss-pg"), ("read200", "discuss-sqlite"),
       ("read200_cold", "discuss-pg-cold"), ("not_modified", "discuss-pg"),
       ("counts20", "discuss-pg"), ("post", "discuss-pg"), ("post", "discuss-sqlite")]


def _py_spy() -> str:
    return str(Path(sys.executable).parent / "py-spy")


def record(pid: int, seconds: float, out: Path) -> None:
    """Sample ``pid`` at 500 Hz into collapsed stacks (one 'a;b;c count' line per stack)."""
    subprocess.run([_py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                    "--rate", "500", "--format", "raw", "--nonblocking", "--output", str(out)],
                   capture_output=True, check=False)


# Functions whose inclusive share tells where a request's time goes (name -> label).
MARKERS = {
    "ThreadWorker.handle": "gunicorn: read request, write response",
    "Flask.wsgi_app": "Flask app (all of the request below gunicorn)",
    "Flask.preprocess_request": "before-request hooks (rate limiter)",
    "MemoParser.parse": "query arguments (memoised)",
    "Parser.parse": "webargs + marshmallow parsing",
    "read_listing": "listing service",
    "_thread_state": "thread state query",
    "_page_comments": "comment queries + tree",
    "listing_json": "JSON rendering",
    "count_comments": "counts service",
    "submit_comment": "posting service",
    "render_markdown": "Markdown + bleach",
    "Session.commit": "commit",
    "Schema.dump": "marshmallow dump",
    "RequestContext.push": "request context + session cookie",
}


def _package(raw: str) -> str:
    """'function (path/to/pkg/module.py:12)' -> the top-level package or stdlib module."""
    _, _, where = raw.partition(" (")
    parts = where.rsplit(":", 1)[0].split("/")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "discuss" in parts:
        return "discuss"
    return parts[0].removesuffix(".py") if parts and parts[0] else "?"  # py-spy: 'pkg/mod.py'


def _function(raw: str) -> str:
    return raw.partition(" (")[0].strip()


def summarise(collapsed: Path) -> dict[str, Any]:
    """Where the busy samples are: by package (innermost frame) and inside marked functions."""
    by_package: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    total = 0
    if not collapsed.exists():
        return {"samples": 0, "packages": [], "inside": []}
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack:
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        by_package[_package(frames[-1])] += samples
        names = {_function(f) for f in frames}
        for marker in MARKERS:
            if any(name == marker or name.endswith("." + marker) for name in names):
                inside[marker] += samples
    if not total:
        return {"samples": 0, "packages": [], "inside": []}
    share = lambda n: round(100 * n / total, 1)  # noqa: E731
    return {
        "samples": total,
        "packages": [(name, share(n)) for name, n in by_package.most_common(9)],
        "inside": [(MARKERS[m], share(inside[m])) for m in MARKERS if inside[m]],
    }


def hot_paths(bench: Any, args: Any) -> dict[str, Any]:
    """Profile each hot path for a few seconds under load; keep summaries and raw stacks."""
    profiles = Path(args.output).with_name("profiles")  # beside the run's table
    profiles.mkdir(exist_ok=True)
    seconds = max(4.0, min(args.duration, 8.0))
    out: dict[str, Any] = {}
    chosen = {s.name for s in bench.scenarios()}
    for scenario, target in HOT:
        server = bench.servers.get(target)
        if scenario not in chosen or server is None or not server.workers():
            continue
        raw = WORK / f"profile-{scenario}-{target}.txt"
        parts = [WORK / f"profile-{scenario}-{target}-{pid}.txt" for pid in server.workers()]
        samplers = [threading.Thread(target=record, args=(pid, seconds, part))
                    for pid, part in zip(server.workers(), parts, strict=True)]
        for part in parts:
            part.unlink(missing_ok=True)
        for sampler in samplers:
            sampler.start()
        run(server.url, bench.load(scenario, target), seconds + 1, args.connections)
        for sampler in samplers:
            sampler.join()
        raw.write_text("\n".join(p.read_text().rstrip() for p in parts if p.exists()))
        summary = summarise(raw)
        out[f"{scenario}@{target}"] = summary
        if raw.exists():
            lines = sorted((ln for ln in raw.read_text().splitlines()  # py-spy notes aside
                            if ln.rpartition(" ")[2].isdigit()),
                           key=lambda ln: -int(ln.rpartition(" ")[2]))
            (profiles / f"{scenario}-{target}.collapsed").write_text("\n".join(lines[:80]))
        print(f"  profiled {scenario} on {target}: {summary['samples']} samples", flush=True)
    return out
