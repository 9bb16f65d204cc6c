"""Two gunicorn processes on one database and one Redis share rate limits and the cache."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus
from tests.perf.test_listing_cache import moderate

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 6


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start listening")


SECRET = "test-secret-" + "k" * 20  # the one the app fixture uses


@pytest.fixture(scope="module")
def two_servers(database_url: str, redis_url: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Processes A and B from gunicorn.conf.py, one worker each, same database and Redis."""
    processes: list[subprocess.Popen] = []
    urls = []
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    for name in ("a", "b"):
        port = _port()
        log = tmp_path / f"gunicorn-{name}.log"
        env = {**os.environ,
               "DISCUSS_BIND": f"127.0.0.1:{port}", "DISCUSS_WORKERS": "1",
               "DISCUSS_THREADS": "2", "DISCUSS_DATABASE_URL": database_url,
               "DISCUSS_REDIS_URL": redis_url,
               "DISCUSS_SECRET_KEY": SECRET,
               "DISCUSS_INSTANCE_PATH": str(tmp_path / f"instance-{name}"),
               "DISCUSS_RATE_LIMIT_DEFAULT": f"{LIMIT} per minute",
               "DISCUSS_LOG_LEVEL": "WARNING"}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=out)
        processes.append(process)
        _wait_listening(port, process, log)
        urls.append(f"http://127.0.0.1:{port}")
    yield urls
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(20)


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def delete(url: str, token: str) -> int:
    request = urllib.request.Request(url, method="DELETE",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def htmls(listing: dict[str, Any]) -> list[str]:
    return [c["html"] for c in listing["comments"]]


def test_rate_limits_are_shared(app, two_servers, site):
    assert app.config["SECRET_KEY"] == SECRET
    a, b = two_servers
    counts = "/api/v1/counts?site=news&thread=article-1"
    statuses = [get(a + counts)[0] for _ in range(LIMIT // 2)]
    statuses += [get(b + counts)[0] for _ in range(LIMIT - LIMIT // 2)]
    assert statuses == [200] * LIMIT
    assert get(b + counts)[0] == 429
    assert get(a + counts)[0] == 429


def test_cache_is_shared_and_invalidated_across_processes(app, two_servers, site,
                                                         post_comment):
    a, b = two_servers
    listing = "/api/v1/comments?site=news&thread=article-1"
    doomed = post_comment("Doomed").get_json()
    rejected = post_comment("Rejected later", ip="192.0.2.50").get_json()["comment"]["id"]
    post_comment("Lasting", ip="192.0.2.51")
    status, first = get(a + listing)
    assert status == 200
    assert htmls(first) == ["<p>Doomed</p>", "<p>Rejected later</p>", "<p>Lasting</p>"]

    # Change a row behind the app's back (no version bump): B can only show the old text
    # if it answers from the page A stored in Redis.
    with app.app_context():
        db.session.execute(sa.update(Comment).where(Comment.id == rejected)
                           .values(body_html="<p>changed behind the cache</p>"))
        db.session.commit()
    assert get(b + listing)[1] == first

    # A real change through B is seen by A at once.
    assert delete(f"{b}/api/v1/comments/{doomed['comment']['id']}", doomed["edit_token"]) == 204
    assert htmls(get(a + listing)[1]) == ["<p>changed behind the cache</p>", "<p>Lasting</p>"]

    # And a moderator's rejection, made by a third process, is seen by both.
    moderate(app, rejected, CommentStatus.REJECTED)
    assert htmls(get(a + listing)[1]) == ["<p>Lasting</p>"]
    assert htmls(get(b + listing)[1]) == ["<p>Lasting</p>"]
