"""Throwaway servers for fault and load tests: a private PostgreSQL cluster and a private
Redis, each on a free port of 127.0.0.1, that a test may stop and start without touching the
shared ones."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_missing(message: str) -> None:
    if os.environ.get("DISCUSS_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{message}, and CI requires it")
    pytest.skip(message)


def wait_until(condition, timeout: float = 30.0, interval: float = 0.1, what: str = "") -> None:
    """Poll ``condition`` until it holds; a bounded loop, failing loudly when it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"gave up waiting for {what or condition}")


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own: initdb into a temp dir, pg_ctl start/stop on one port."""

    def __init__(self) -> None:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
        pg_ctl = candidates[0] if candidates else shutil.which("pg_ctl")
        if not pg_ctl:
            _service_missing("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        self.bin = Path(pg_ctl).parent
        self.root = Path(tempfile.mkdtemp(prefix="discuss-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.runas: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use its own account
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.runas = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E",
                  "UTF8", "--no-sync", "--locale=C")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.runas, str(self.bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "server.log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    """A private redis-server process on a free port, without persistence."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            _service_missing("redis-server is not installed")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        try:
            wait_until(answers, timeout=15, what="redis-server to answer")
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class Server:
    """A WSGI app served over real HTTP by a threaded server on a free port."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        import threading

        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
