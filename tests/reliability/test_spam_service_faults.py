"""Akismet hangs or talks nonsense while readers post at once: every comment is answered
quickly with 202, stored as pending with the reason, counted, and nothing is lost. The check
pool may fill up with hung calls; posting still does not wait longer than the check deadline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from discuss.extensions import db
from discuss.models import Comment
from tests.reliability.faultkit import Server
from tests.reliability.test_operations import scrape, value
from tests.spam.akismet_standin import VALID_KEY, AkismetStandIn

CLIENTS = 10
POSTS = 30  # more than the check pool's eight threads can hold while Akismet hangs
HANG = 15


@pytest.fixture
def akismet():
    server = AkismetStandIn().start()
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "reason"), [
    ("slow", "check timed out after 0.5 s"),
    ("garbage", "Akismet gave an answer outside its protocol"),
])
def test_a_hanging_or_babbling_akismet_holds_every_comment(make_app, make_site, akismet, mode,
                                                           reason):
    app = make_app(spam_check_timeout_ms=500, rate_limit_comments="100000 per minute")
    make_site("news", spam_checks=[{"name": "akismet", "options": {
        "key": VALID_KEY, "api_url": akismet.url, "timeout": 30 if mode == "slow" else 2}}])
    akismet.mode = mode
    client = app.test_client()
    before = scrape(client)
    server = Server(app)
    token = client.get("/api/v1/config?site=news&thread=a").get_json()["form_token"]

    def post(n: int) -> tuple[int, int | None]:
        with requests.Session() as http:
            response = http.post(f"{server.url}/api/v1/comments", timeout=HANG, json={
                "site": "news", "thread": "a", "body": f"comment {n}", "form_token": token})
            return response.status_code, response.json().get("comment", {}).get("id")

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(post, range(POSTS)))
    finally:
        akismet.release.set()
        server.stop()

    assert {status for status, _ in answers} == {202}, answers
    accepted = {cid for _, cid in answers}
    with app.app_context():
        rows = db.session.query(Comment).all()
        stored = {c.id: c for c in rows}
        assert accepted <= set(stored) and len(rows) == POSTS
        for comment in rows:
            assert comment.status.value == "pending"
            assert [r["reason"] for r in comment.checks if r["check"] == "akismet"] == [reason]
    after = scrape(client)
    label = "error" if mode == "slow" else "unsure"
    counted = value(after, "discuss_spam_check_verdicts_total", check="akismet", verdict=label) \
        - value(before, "discuss_spam_check_verdicts_total", check="akismet", verdict=label)
    assert counted == POSTS
