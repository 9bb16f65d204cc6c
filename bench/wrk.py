"""Driving a target with wrk, pinned to the load core, and reading its figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.targets import LOAD_CPUS, WORK

LUA = Path(__file__).resolve().parent / "lua"


@dataclass
class Load:
    """One scenario's request for one target: path, optional Lua script and its variables."""

    path: str
    script: str | None = None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """Figures of one wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def as_dict(self) -> dict[str, float]:
        return {"rps": self.rps, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "requests": self.requests, "errors": self.errors}


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).splitlines()[0].strip()


# Every request comes as from the news site's article page, as the widget's do: a browser
# sends the page's Origin with each cross-origin call, and the server decides on CORS.
PAGE_ORIGIN = "http://127.0.0.1"


def _script(load: Load) -> Path:
    """The scenario's Lua, after the page's Origin, with the reporting ``done`` appended."""
    parts = [f'wrk.headers["Origin"] = "{PAGE_ORIGIN}"']
    if load.script:
        parts.append((LUA / f"{load.script}.lua").read_text())
    parts.append((LUA / "report.lua").read_text())
    path = WORK / f"wrk-{load.script or 'get'}.lua"
    path.write_text("\n".join(parts))
    return path


def run(base_url: str, load: Load, duration: float, connections: int,
        threads: int = 1) -> Result:
    """One wrk run; wrk's own timeout is long so that slow peers are measured, not dropped."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    argv = ["taskset", "-c", LOAD_CPUS, "wrk", f"-t{threads}", f"-c{connections}",
            f"-d{max(1, round(duration))}s", "--latency", "--timeout", "60s",
            "-s", str(_script(load)), base_url + load.path]
    out = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **load.env},
                         timeout=duration + 120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(line[len("BENCH_JSON "):])
    seconds = data["duration_us"] / 1e6
    return Result(
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        requests=data["requests"],
        errors=data["errors"],
    )
