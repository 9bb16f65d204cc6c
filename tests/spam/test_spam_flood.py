"""The flood check: too many comments from one address → 429 problem+json with
Retry-After, via Flask-Limiter; memory storage by default, Redis when configured."""

from __future__ import annotations

import redis

from tests.spam.spam_support import record

FLOOD = {"name": "flood", "options": {"limit": "2 per minute"}}


def _assert_refused(response):
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 429 and problem["title"] == "Too Many Requests"
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_flood_refuses_the_third_comment_in_a_minute(make_site, post_comment):
    make_site(spam_checks=[FLOOD])
    assert post_comment("one").status_code == 201
    assert post_comment("two").status_code == 201
    _assert_refused(post_comment("three"))
    assert post_comment("from a neighbour", ip="192.0.2.99").status_code == 201


def test_flood_counts_per_site(make_site, post_comment):
    make_site(spam_checks=[FLOOD])
    make_site("gazette", spam_checks=[FLOOD])
    for body in ("one", "two"):
        assert post_comment(body).status_code == 201
    assert post_comment("elsewhere", site="gazette").status_code == 201
    _assert_refused(post_comment("three"))


def test_flood_counts_stored_comments_only(make_site, post_comment):
    make_site(spam_checks=[FLOOD])
    for _ in range(3):
        assert post_comment("   ").status_code == 422  # a reader fixing a form error
    assert post_comment("one").status_code == 201
    assert post_comment("two").status_code == 201
    _assert_refused(post_comment("three"))


def test_held_comments_count_too(make_site, post_comment):
    make_site(spam_checks=[FLOOD, {"name": "honeypot"}])
    assert post_comment("one", website="x").status_code == 202
    assert post_comment("two", website="x").status_code == 202
    _assert_refused(post_comment("three"))


def test_default_limit_comes_from_settings(make_app, post_comment, make_site):
    make_site(spam_checks=[{"name": "flood"}])  # app default: 5 per minute;30 per hour
    for n in range(5):
        assert post_comment(f"comment {n}").status_code == 201
    _assert_refused(post_comment("sixth"))


def test_sites_without_flood_are_not_limited(make_site, post_comment):
    make_site(spam_checks=[])
    assert all(post_comment(f"comment {n}").status_code == 201 for n in range(8))


def test_flood_on_trial_refuses_nobody_but_says_it_would(make_site, post_comment, stored):
    make_site(spam_checks=[{**FLOOD, "trial": True}])
    responses = [post_comment(body) for body in ("one", "two", "three")]
    assert [r.status_code for r in responses] == [201, 201, 201]
    first = record(stored(responses[0].get_json()["comment"]["id"])[1], "flood")
    third = record(stored(responses[2].get_json()["comment"]["id"])[1], "flood")
    assert first["verdict"] == "ham"
    assert third == {"check": "flood", "verdict": "unsure", "score": 0.5, "trial": True,
                     "reason": "would have been refused (429): more than 2 per 1 minute "
                               "from this address"}


def test_flood_counts_in_redis_shared_by_app_processes(make_app, redis_url):
    """Two apps (as two gunicorn workers would) on one Redis share one count."""
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    first = make_app(redis_url=redis_url)
    from discuss.services.sites import create_site

    with first.app_context():
        create_site("news", ["https://news.example"], "post", spam_checks=[FLOOD])

    def post(app, body):
        client = app.test_client()
        token = client.get("/api/v1/config?site=news&thread=t").get_json()["form_token"]
        return client.post("/api/v1/comments", json={
            "site": "news", "thread": "t", "body": body, "form_token": token})

    assert post(first, "one").status_code == 201
    assert post(first, "two").status_code == 201
    assert store.keys("*LIMITER/news|127.0.0.1/discuss-comments/2/1/minute")
    second = make_app(redis_url=redis_url)  # a new process: memory counts would start at 0
    _assert_refused(post(second, "three"))
