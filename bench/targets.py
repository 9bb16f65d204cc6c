"""The servers under test: each one gunicorn on 127.0.0.1 with the same worker settings,
pinned to the server core(s) so that the load generator has its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
SERVER_CPUS = os.environ.get("BENCH_SERVER_CPUS", "0")
LOAD_CPUS = os.environ.get("BENCH_LOAD_CPUS", "1")
GUNICORN_SETTINGS = Path(__file__).with_name("gunicorn_settings.py")
SECRET = "bench-secret-" + "s" * 24


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One gunicorn master and its workers."""

    name: str
    kind: str  # discuss | isso | ceiling
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ready_path: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """gunicorn's command line: the benchmark's settings file and nothing else."""
        return [*self.argv, "--config", str(GUNICORN_SETTINGS),
                "--bind", f"127.0.0.1:{self.port}"]

    def start(self, timeout: float = 60.0) -> Server:
        """Start pinned to the server cores and wait until it answers."""
        WORK.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        with open(WORK / f"{self.name}.log", "ab") as log:  # the server writes its own copy
            self.process = subprocess.Popen(["taskset", "-c", SERVER_CPUS, *self.command()],
                                            cwd=self.cwd, env=env, stdout=log, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {WORK / (self.name + '.log')}")
            try:
                urllib.request.urlopen(self.url + self.ready_path, timeout=5).read()
                return self
            except urllib.error.HTTPError:
                return self  # it answered
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s")

    def workers(self) -> list[int]:
        """Process ids of the gunicorn workers (the master's children)."""
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def worker_rss_mb(self) -> float:
        """The largest resident set of one worker, in MB."""
        sizes = []
        for pid in self.workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return round(max(sizes), 1) if sizes else 0.0

    def cpu_times(self) -> tuple[float, float]:
        """User and system CPU seconds the master and its workers have used so far."""
        master = [self.process.pid] if self.process is not None else []
        return _cpu_times(master + self.workers(), reaped=master)

    def cpu_seconds(self) -> float:
        """CPU time the master and its workers have used so far."""
        return sum(self.cpu_times())

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait until the server has finished what it still had in hand when the load
        generator stopped (a slow peer answers for seconds afterwards), so that the next
        target does not share the server core with it."""
        deadline = time.monotonic() + timeout
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - used < 0.02:
                return
            used = now

    def stop(self) -> None:
        """Stop the master (it stops its workers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _cpu_times(pids: list[int], reaped: Sequence[int] = ()) -> tuple[float, float]:
    """User and system CPU seconds of ``pids``, and of the children of ``reaped`` that have
    exited and been waited for: a worker or backend gone during a run still counts what it
    used, so the totals only grow (a process not found counts nothing)."""
    user = system = 0
    for pid in {*pids, *reaped}:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user, system = user + int(stat[11]), system + int(stat[12])
        if pid in reaped:
            user, system = user + int(stat[13]), system + int(stat[14])
    tick = os.sysconf("SC_CLK_TCK")
    return user / tick, system / tick


def postgres_cpu_seconds() -> float:
    """CPU time the machine's PostgreSQL has used so far: its backends, which serve
    discuss's statements, the writers behind them, and those that have exited (counted
    by the postmaster, their parent)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(stat[1])
        except OSError:
            continue
    postmasters = [pid for pid, parent in parents.items() if parent not in parents]
    return sum(_cpu_times(list(parents), reaped=postmasters))


def _gunicorn() -> str:
    """The gunicorn of the benchmark's own virtualenv."""
    return str(Path(sys.executable).parent / "gunicorn")


def discuss_server(name: str, database_url: str, cache: bool = True) -> Server:
    """discuss from this checkout, as production runs it (``wsgi:app``)."""
    env = {
        "DISCUSS_DATABASE_URL": database_url,
        "DISCUSS_SECRET_KEY": SECRET,
        "DISCUSS_TRUST_PROXY_HEADERS": "1",
        "DISCUSS_INSTANCE_PATH": str(WORK / f"instance-{name}"),
        "DISCUSS_LOG_LEVEL": "WARNING",
        "DISCUSS_REDIS_URL": "",
    }
    if not cache:  # every answer computed afresh: no listing cache, no counts window
        env["DISCUSS_LISTING_CACHE_BYTES"] = "0"
        env["DISCUSS_COUNTS_CACHE_SECONDS"] = "0"
    return Server(name, "discuss", [_gunicorn(), "wsgi:app"], env, ROOT, "/healthz")


def _serving_captured(name: str, app: str, bodies_file: Path) -> Server:
    """A reference target answering the ceiling's requests with the bytes captured from discuss."""
    return Server(name, "ceiling", [_gunicorn(), app],
                  {"BENCH_CEILING_BODIES": str(bodies_file)}, ROOT, "/api/v1/counts")


def ceiling_server(bodies_file: Path) -> Server:
    """The bare Flask app serving captured bytes (``bench/ceiling.py``)."""
    return _serving_captured("ceiling", "bench.ceiling:app", bodies_file)


def server_alone(bodies_file: Path) -> Server:
    """gunicorn with a bare WSGI function serving the same bytes (``bench/bare_wsgi.py``)."""
    return _serving_captured("server-alone", "bench.bare_wsgi:app", bodies_file)


def server_with_headers(bodies_file: Path) -> Server:
    """The server alone sending discuss's headers with the counts, as discuss sent them."""
    return _serving_captured("server-headers", "bench.bare_wsgi:with_discuss_headers",
                             bodies_file)
