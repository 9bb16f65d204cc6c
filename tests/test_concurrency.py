"""Many readers at once lose nothing: every accepted post is stored and counters add up."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Thread, Vote
from tests.conftest import LiveServer

WORKERS = 20
POSTS_EACH = 5


def _call(url: str, payload: dict, ip: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": ip},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_parallel_posts_and_votes_lose_nothing(make_app):
    app = make_app(trust_proxy_headers=1)
    with app.app_context():
        from discuss.services.sites import create_site

        create_site("news", ["https://news.example"], spam_checks=[])  # load, not spam rules
    server = LiveServer(app)
    try:
        base = server.url
        token = json.loads(urllib.request.urlopen(
            f"{base}/api/v1/config?site=news&thread=hot").read())["form_token"]
        targets = []
        for n in range(10):
            status, body = _call(f"{base}/api/v1/comments",
                                 {"site": "news", "thread": "hot", "body": f"target {n}",
                                  "form_token": token}, "10.0.0.1")
            assert status == 201
            targets.append(body["comment"]["id"])

        accepted: list[int] = []
        failures: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def reader(worker: int) -> None:
            ip = f"10.1.{worker}.1"
            for n in range(POSTS_EACH):
                status, body = _call(f"{base}/api/v1/comments",
                                     {"site": "news", "thread": "hot", "form_token": token,
                                      "body": f"worker {worker} post {n}"}, ip)
                with lock:
                    (accepted.append(body["comment"]["id"]) if status == 201
                     else failures.append((status, body)))
            for target in targets:
                status, body = _call(f"{base}/api/v1/comments/{target}/vote", {"value": 1}, ip)
                if status != 200:
                    with lock:
                        failures.append((status, body))

        threads = [threading.Thread(target=reader, args=(w,)) for w in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        server.stop()

    assert failures == []
    assert len(accepted) == len(set(accepted)) == WORKERS * POSTS_EACH
    with app.app_context():
        stored = db.session.scalars(
            sa.select(Comment.id).where(Comment.status == CommentStatus.APPROVED)).all()
        assert set(accepted) | set(targets) == set(stored)
        thread_row = db.session.scalars(sa.select(Thread)).one()
        assert thread_row.comment_count == len(stored) == WORKERS * POSTS_EACH + 10
        for target in targets:
            comment = db.session.get(Comment, target)
            votes = db.session.scalar(
                sa.select(sa.func.count()).select_from(Vote).where(Vote.comment_id == target))
            assert comment.likes == votes == WORKERS
        db.session.remove()
