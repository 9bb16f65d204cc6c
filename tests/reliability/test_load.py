"""Load without loss: 1,000 posts and 1,000 votes from 50 concurrent clients against gunicorn
(two worker processes, threads) on PostgreSQL. Every accepted comment is stored exactly once,
counters equal row counts, racing duplicate votes count once, nothing deadlocks or fails."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.reliability.faultkit import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 50
POSTS = 1000
VOTERS = 250  # each casts 4 votes: 2 racing likes on one comment, 2 racing dislikes on another
THREADS = [f"load-{n}" for n in range(5)]


@pytest.fixture
def gunicorn(backend, database_url, make_app, make_site, tmp_path):
    if backend != "postgresql":
        pytest.skip("the load test runs against PostgreSQL")
    make_app()  # empties the tables after the test
    make_site("news", origins=("https://news.example",))
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "DISCUSS_DATABASE_URL": database_url,
           "DISCUSS_SECRET_KEY": "load-test-secret-" + "k" * 20,
           "DISCUSS_INSTANCE_PATH": str(tmp_path / "instance"),
           "DISCUSS_TRUST_PROXY_HEADERS": "1", "DISCUSS_RATE_LIMIT_COMMENTS": "100000 per minute",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log_file = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--chdir", str(ROOT), "-w", "2", "-k",
         "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5",
         "--log-level", "warning", "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, timeout=30, interval=0.2, what="gunicorn to serve")
        yield url
    finally:
        process.terminate()
        process.wait(15)
        log_file.close()
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log and "deadlock" not in log.lower(), log[-3000:]


def _client_ip(n: int) -> str:
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


def _metric_total(url: str, name: str, **labels: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


@pytest.mark.slow
def test_concurrent_posts_and_votes_lose_nothing(gunicorn, database_url):
    url = gunicorn
    seeds = {}
    with requests.Session() as http:
        token = http.get(f"{url}/api/v1/config?site=news&thread=seed").json()["form_token"]
        for key in THREADS:
            seeded = http.post(f"{url}/api/v1/comments", json={
                "site": "news", "thread": key, "body": f"seed of {key}", "form_token": token})
            assert seeded.status_code in (201, 202), seeded.text
            seeds[key] = seeded.json()["comment"]["id"]
    per_client = POSTS // CLIENTS

    def post_many(n: int) -> list[tuple[int, int | None, str]]:
        results = []
        headers = {"X-Forwarded-For": _client_ip(n)}
        with requests.Session() as http:
            token = http.get(f"{url}/api/v1/config?site=news&thread=x", headers=headers,
                             timeout=30).json()["form_token"]
            for i in range(per_client):
                key = THREADS[(n + i) % len(THREADS)]
                body = f"client {n} comment {i} on {key}"
                payload = {"site": "news", "thread": key, "body": body, "form_token": token,
                           "author_name": f"reader {n}"}
                if i % 5 == 4:
                    payload["parent_id"] = seeds[key]
                response = http.post(f"{url}/api/v1/comments", json=payload, headers=headers,
                                     timeout=30)
                cid = response.json()["comment"]["id"] if response.status_code < 300 else None
                results.append((response.status_code, cid, body))
        return results

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        posted = [r for batch in pool.map(post_many, range(CLIENTS)) for r in batch]
    post_seconds = time.monotonic() - started

    assert len(posted) == POSTS
    statuses = Counter(code for code, _, _ in posted)
    assert set(statuses) <= {201, 202}, statuses
    accepted = {cid: body for code, cid, body in posted}
    assert len(accepted) == POSTS, "two answers carried the same id"

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT id, body_source FROM comments").fetchall()
        by_body = Counter(body for _, body in rows)
        stored = dict(rows)
        threads = conn.execute(
            "SELECT t.key, t.comment_count, t.version, count(c.id), "
            "count(c.id) FILTER (WHERE c.status = 'approved') "
            "FROM threads t LEFT JOIN comments c ON c.thread_id = t.id "
            "WHERE t.key LIKE 'load-%' GROUP BY t.id").fetchall()
    assert all(stored.get(cid) == body for cid, body in accepted.items())
    assert all(by_body[body] == 1 for body in accepted.values()), "a comment was stored twice"
    assert len(rows) == POSTS + len(THREADS)
    for key, comment_count, version, total, approved in threads:
        assert comment_count == approved, (key, comment_count, approved)
        assert version == 1 + total, (key, version, total)  # no lost version bump
    served = sum(_metric_total(url, "discuss_http_requests_total", endpoint="/api/v1/comments",
                               method="POST", status=str(code)) for code in (201, 202))
    assert served == POSTS + len(THREADS), "metrics from both workers should add up"

    targets = list(seeds.values())

    # Every vote is sent twice at once by two clients, as a double click or a retry would.
    def vote_once(task: tuple[int, int, int]) -> int:
        voter, half, _copy = task
        cid, value = ((targets[voter % 5], 1), (targets[(voter + 1) % 5], -1))[half]
        with requests.Session() as http:
            return http.post(f"{url}/api/v1/comments/{cid}/vote", json={"value": value},
                             headers={"X-Forwarded-For": _client_ip(1000 + voter)},
                             timeout=30).status_code

    work = [(voter, half, copy) for voter in range(VOTERS) for half in (0, 1) for copy in (0, 1)]
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        vote_statuses = Counter(pool.map(vote_once, work))
    vote_seconds = time.monotonic() - started
    assert vote_statuses == {200: VOTERS * 4}, vote_statuses

    with psycopg.connect(database_url) as conn:
        counters = conn.execute(
            "SELECT c.id, c.likes, c.dislikes, "
            "count(v.id) FILTER (WHERE v.value = 1), count(v.id) FILTER (WHERE v.value = -1) "
            "FROM comments c LEFT JOIN votes v ON v.comment_id = c.id "
            "WHERE c.id = ANY(%s) GROUP BY c.id", (targets,)).fetchall()
    for cid, likes, dislikes, like_rows, dislike_rows in counters:
        assert (likes, dislikes) == (like_rows, dislike_rows), cid
        assert (likes, dislikes) == (VOTERS // 5, VOTERS // 5), (cid, likes, dislikes)
    print(f"{POSTS} posts from {CLIENTS} clients in {post_seconds:.1f} s "
          f"({POSTS / post_seconds:.0f}/s); {VOTERS * 4} votes in {vote_seconds:.1f} s "
          f"({VOTERS * 4 / vote_seconds:.0f}/s); statuses {dict(statuses)}")
