"""Profiles of the hot paths: py-spy samples one discuss worker while wrk drives it."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench.targets import WORK
from bench.wrk import run

PROFILES = Path(__file__).resolve().parent / "profiles"
# (scenario, target): the paths whose cost matters most.
HOT = [("read200", "discuss-pg"), ("read200", "discuss-sqlite"),
       ("read200_cold", "discuss-pg-cold"), ("not_modified", "discuss-pg"),
       ("counts20", "discuss-pg"), ("post", "discuss-pg")]


def _py_spy() -> str:
    return str(Path(sys.executable).parent / "py-spy")


def record(pid: int, seconds: float, out: Path) -> None:
    """Sample ``pid`` at 500 Hz into collapsed stacks (one 'a;b;c count' line per stack)."""
    subprocess.run([_py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                    "--rate", "500", "--format", "raw", "--nonblocking", "--output", str(out)],
                   capture_output=True, check=False)


def _frame(raw: str) -> str:
    """'function (path/to/module.py:12)' -> 'module.py:function', the package kept short."""
    name, _, where = raw.partition(" (")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    elif "discuss" in parts:
        parts = parts[len(parts) - 1 - parts[::-1].index("discuss"):]
    return f"{'/'.join(parts[-2:])}:{name.strip()}"


def summarise(collapsed: Path, top: int = 14) -> dict[str, Any]:
    """Share of samples spent inside each function (inclusive), the busiest first."""
    inclusive: Counter[str] = Counter()
    total = 0
    if not collapsed.exists():
        return {"samples": 0, "frames": []}
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        for frame in {_frame(f) for f in stack.split(";")}:
            inclusive[frame] += samples
    if not total:
        return {"samples": 0, "frames": []}
    frames = [(frame, round(100 * n / total, 1)) for frame, n in inclusive.most_common()
              if n / total < 0.97]  # drop the frames every sample passes through
    return {"samples": total, "frames": frames[:top]}


def hot_paths(bench: Any, args: Any) -> dict[str, Any]:
    """Profile each hot path for a few seconds under load; keep summaries and raw stacks."""
    PROFILES.mkdir(exist_ok=True)
    seconds = max(4.0, min(args.duration, 8.0))
    out: dict[str, Any] = {}
    for scenario, target in HOT:
        server = bench.servers.get(target)
        if server is None or not server.workers():
            continue
        raw = WORK / f"profile-{scenario}-{target}.txt"
        raw.unlink(missing_ok=True)
        sampler = threading.Thread(target=record, args=(server.workers()[0], seconds, raw))
        sampler.start()
        run(server.url, bench.load(scenario, target), seconds + 1, args.connections)
        sampler.join()
        summary = summarise(raw)
        out[f"{scenario}@{target}"] = summary
        if raw.exists():
            lines = sorted(raw.read_text().splitlines(),
                           key=lambda ln: -int(ln.rpartition(" ")[2] or 0))
            (PROFILES / f"{scenario}-{target}.collapsed").write_text("\n".join(lines[:300]))
        print(f"  profiled {scenario} on {target}: {summary['samples']} samples", flush=True)
    return out
