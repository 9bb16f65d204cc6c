"""Redis goes away: rate limits carry on in-process (still enforced), a warning is logged and
counted, nothing answers 500; when Redis returns, the limits are kept there again."""

from __future__ import annotations

import logging
import threading

import pytest
import redis

from discuss.extensions import limiter
from tests.reliability.faultkit import wait_until


def _forget_default_limits() -> None:
    """Flask-Limiter keeps the first app's default limits on the shared extension object."""
    limiter.limit_manager.set_default_limits([])


def test_redis_outage_falls_back_to_in_process_limits(make_app, throwaway_redis, caplog):
    _forget_default_limits()
    app = make_app(redis_url=throwaway_redis.url, rate_limit_default="3 per minute")
    client = app.test_client()
    store = redis.Redis.from_url(throwaway_redis.url)
    path = "/api/v1/counts?site=nowhere&thread=a"
    try:
        assert [client.get(path).status_code for _ in range(3)] == [404, 404, 404]
        limited = client.get(path)
        assert limited.status_code == 429 and limited.headers["Retry-After"]
        assert limited.headers["Content-Type"] == "application/problem+json"
        assert store.keys("LIMITS*"), "the counters should live in Redis"

        throwaway_redis.kill()
        with caplog.at_level(logging.WARNING):
            during = [client.get(path).status_code for _ in range(5)]
        # A fresh in-process window: three pass, then the limit holds again. Never a 500.
        assert during == [404, 404, 404, 429, 429], during
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert any("falling back to in-memory" in r.getMessage() for r in warnings)
        metrics = client.get("/metrics").get_data(as_text=True)
        assert 'discuss_fallbacks_total{component="rate_limits"}' in metrics

        throwaway_redis.start()
        store.close()
        store = redis.Redis.from_url(throwaway_redis.url)

        def back_in_redis() -> bool:
            client.get(path)
            return bool(store.keys("LIMITS*"))

        wait_until(back_in_redis, timeout=20, interval=0.5, what="limits kept in Redis again")
    finally:
        store.close()
        _forget_default_limits()


def test_redis_outage_keeps_listings_served_and_fresh(make_app, make_site, throwaway_redis,
                                                      caplog):
    _forget_default_limits()
    app = make_app(redis_url=throwaway_redis.url)
    make_site("news")
    client = app.test_client()
    store = redis.Redis.from_url(throwaway_redis.url)
    listing = "/api/v1/comments?site=news&thread=article-1"

    def post(body: str) -> int:
        token = client.get("/api/v1/config?site=news&thread=article-1").get_json()["form_token"]
        return client.post("/api/v1/comments", json={"site": "news", "thread": "article-1",
                                                     "body": body, "form_token": token},
                           environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code

    def bodies() -> list[str]:
        response = client.get(listing)
        assert response.status_code == 200, response.get_json()
        return [c["html"] for c in response.get_json()["comments"]]

    try:
        assert post("Before the outage.") == 201
        assert bodies() == ["<p>Before the outage.</p>"]
        assert store.keys("discuss:listing:*"), "the first page should be cached in Redis"

        throwaway_redis.kill()
        with caplog.at_level(logging.WARNING):
            assert bodies() == ["<p>Before the outage.</p>"]
            assert post("During the outage.") == 201
            assert bodies() == ["<p>Before the outage.</p>", "<p>During the outage.</p>"]
        assert any("listing cache: Redis unavailable" in r.getMessage() for r in caplog.records)
        metrics = client.get("/metrics").get_data(as_text=True)
        assert 'discuss_fallbacks_total{component="listing_cache"}' in metrics

        throwaway_redis.start()
        store.close()
        store = redis.Redis.from_url(throwaway_redis.url)

        def cached_in_redis_again() -> bool:
            assert len(bodies()) == 2
            return bool(store.keys("discuss:listing:*"))

        wait_until(cached_in_redis_again, timeout=20, interval=0.5,
                   what="the listing cached in Redis again")
    finally:
        store.close()
        _forget_default_limits()


def test_during_an_outage_posting_counts_in_the_process_without_a_thread_per_count(
        make_app, make_site, throwaway_redis, monkeypatch: pytest.MonkeyPatch):
    """The fallback that holds the flood limit while Redis is away sweeps as the no-Redis
    storage does: the library's own would start a timer thread after each count."""
    _forget_default_limits()
    app = make_app(redis_url=throwaway_redis.url)
    make_site("news", spam_checks=[{"name": "flood", "options": {"limit": "2 per minute"}}])
    client = app.test_client()

    def post(body: str, ip: str) -> int:
        token = client.get("/api/v1/config?site=news&thread=article-1").get_json()["form_token"]
        return client.post("/api/v1/comments", json={"site": "news", "thread": "article-1",
                                                     "body": body, "form_token": token},
                           environ_base={"REMOTE_ADDR": ip}).status_code

    started: list[threading.Timer] = []
    start = threading.Timer.start

    def record(timer: threading.Timer) -> None:
        started.append(timer)
        start(timer)

    try:
        throwaway_redis.kill()
        monkeypatch.setattr(threading.Timer, "start", record)
        first = [post(f"Comment {n} during the outage.", "192.0.2.10") for n in range(3)]
        other = post("Another reader during the outage.", "192.0.2.11")

        assert first == [201, 201, 429], first  # still limited, per address
        assert other == 201
        assert started == []
    finally:
        _forget_default_limits()
