"""Counts answers kept for a few seconds per worker (discuss/web/recent_answers.py).

A listing page's counts may lag a change by ``DISCUSS_COUNTS_CACHE_SECONDS``, never longer;
each kept answer is the one its own request would get (CORS per Origin, security headers
per scheme), with its own request id; errors are never kept; signed-in and API requests,
which Flask answers, always see the current counts; ``0`` keeps nothing.
"""

from __future__ import annotations

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from werkzeug.middleware.proxy_fix import ProxyFix

from discuss.config import ConfigError, load_settings
from discuss.web.fast_reads import RECENT_ANSWERS
from discuss.web.recent_answers import RecentAnswers

COUNTS = "/api/v1/counts?site=news&thread=article-1&thread=article-2"
SITE_ORIGIN = "https://news.example"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _recent(app: Flask) -> RecentAnswers:
    return app.extensions[RECENT_ANSWERS]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counting(make_app, make_site, post_comment, clock):
    """An app keeping counts answers for 5 s of a hand-moved clock, a site, and one comment
    in article-1."""
    make_site(origins=(SITE_ORIGIN,))
    post_comment("The first comment.")
    app = make_app(counts_cache_seconds=5)
    _recent(app).clock = clock
    return app


def _counts(client, **headers) -> dict[str, int]:
    response = client.get(COUNTS, headers=headers)
    assert response.status_code == 200
    return response.get_json()["counts"]


def test_counts_lag_a_new_comment_by_the_window_and_no_longer(counting, post_comment, clock):
    client = counting.test_client()
    assert _counts(client) == {"article-1": 1, "article-2": 0}
    post_comment("A second comment.")
    post_comment("Elsewhere.", thread="article-2")
    clock.now += 4.9
    assert _counts(client) == {"article-1": 1, "article-2": 0}  # the kept answer
    clock.now += 0.1
    assert _counts(client) == {"article-1": 2, "article-2": 1}


def test_the_window_runs_from_when_the_answer_was_asked_for():
    """A slow answer is not kept longer, and an older one never replaces a newer one."""
    clock = Clock()
    recent = RecentAnswers(seconds=5, clock=clock)
    asked_at = clock()
    clock.now += 3  # the query took 3 s
    recent.keep(("k",), asked_at, "200 OK", [], b"slow")
    clock.now += 2
    assert recent.get(("k",)) is None
    recent.keep(("k",), clock(), "200 OK", [], b"newer")
    recent.keep(("k",), clock() - 1, "200 OK", [], b"older")  # asked for before "newer"
    assert recent.get(("k",)).body == b"newer"


def test_without_the_window_every_answer_is_current(make_app, make_site, post_comment):
    make_site()
    client = make_app(counts_cache_seconds=0).test_client()
    assert _counts(client) == {"article-1": 0, "article-2": 0}
    post_comment("Counted at once.")
    assert _counts(client) == {"article-1": 1, "article-2": 0}


def test_signed_in_and_api_requests_see_current_counts(counting, post_comment):
    client = counting.test_client()
    _counts(client)
    post_comment("A second comment.")
    assert _counts(client, Authorization="Bearer not-a-key")["article-1"] == 2  # Flask answers
    client.set_cookie("session", "x")
    assert _counts(client)["article-1"] == 2


def test_each_origin_gets_its_own_cors_answer(counting):
    client = counting.test_client()
    allowed = client.get(COUNTS, headers={"Origin": SITE_ORIGIN})
    refused = client.get(COUNTS, headers={"Origin": "https://elsewhere.example"})
    plain = client.get(COUNTS)
    again = client.get(COUNTS, headers={"Origin": SITE_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert again.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert allowed.data == refused.data == plain.data == again.data


def test_a_kept_answer_has_its_own_request_id_and_the_same_headers(counting):
    client = counting.test_client()
    first = client.get(COUNTS, headers={"Origin": SITE_ORIGIN})
    second = client.get(COUNTS, headers={"Origin": SITE_ORIGIN, "X-Request-ID": "echo-me-42"})
    third = client.get(COUNTS, headers={"Origin": SITE_ORIGIN})
    assert second.headers["X-Request-ID"] == "echo-me-42"
    assert len({first.headers["X-Request-ID"], second.headers["X-Request-ID"],
                third.headers["X-Request-ID"]}) == 3

    def without_id(response):
        return sorted((k, v) for k, v in response.headers.items() if k != "X-Request-ID")

    assert without_id(first) == without_id(second) == without_id(third)


def test_the_scheme_is_part_of_the_key(make_app, make_site):
    make_site()
    client = make_app(counts_cache_seconds=300, trust_proxy_headers=1).test_client()
    plain = client.get(COUNTS)
    secure = client.get(COUNTS, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" in secure.headers
    assert "Strict-Transport-Security" not in client.get(COUNTS).headers


def test_the_host_is_part_of_the_key(make_app, make_site):
    """A read from the service's own origin is shared; the same Origin sent to another
    host name is a foreign one."""
    make_site()
    client = make_app(counts_cache_seconds=300).test_client()
    own = client.get(COUNTS, headers={"Origin": "http://localhost"})
    foreign = client.get(COUNTS, headers={"Origin": "http://localhost",
                                          "Host": "comments.example"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://localhost"
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_the_forwarded_host_is_part_of_the_key(make_app, make_site):
    """Behind a trusted proxy the host a page reads from is the forwarded one: a kept
    answer is found by the request as it arrives, forwarded headers included."""
    make_site()
    client = make_app(counts_cache_seconds=300, trust_proxy_headers=1).test_client()
    for origin, host, elsewhere in (
            ("https://comments.example", "comments.example", "elsewhere.example"),
            ("https://comments.example:8443", "comments.example:8443", "comments.example")):
        own = {"Origin": origin, "X-Forwarded-Proto": "https", "X-Forwarded-Host": host}
        foreign = {**own, "X-Forwarded-Host": elsewhere}
        for _ in range(2):
            assert client.get(COUNTS, headers=own).headers["Access-Control-Allow-Origin"] \
                == origin
            assert "Access-Control-Allow-Origin" not in \
                client.get(COUNTS, headers=foreign).headers


def test_a_kept_answer_is_sent_before_the_proxy_headers_are_read(make_app, make_site):
    """The kept answer's path is the cheapest a counts request has: the layer in front of
    ProxyFix answers it, and nothing behind is called until the window ends."""
    make_site()
    app = make_app(counts_cache_seconds=300, trust_proxy_headers=1)
    proxy = app.wsgi_app.inner
    assert isinstance(proxy, ProxyFix)
    behind = proxy.app
    reached: list[str] = []

    def watched(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return behind(environ, start_response)

    proxy.app = watched
    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    first = client.get(COUNTS, headers=headers)
    again = [client.get(COUNTS, headers=headers) for _ in range(3)]
    assert reached == ["/api/v1/counts"]
    assert all(r.data == first.data and r.headers["Strict-Transport-Security"]
               for r in again)
    client.get("/api/v1/comments?site=news&thread=article-1")
    assert reached == ["/api/v1/counts", "/api/v1/comments"]


def test_errors_are_not_kept(make_app, make_site):
    client = make_app(counts_cache_seconds=300).test_client()
    assert client.get(COUNTS).status_code == 404  # no site yet
    make_site()
    assert client.get(COUNTS).status_code == 200


def _answered_counts() -> float:
    return REGISTRY.get_sample_value(
        "discuss_http_requests_total",
        {"endpoint": "/api/v1/counts", "method": "GET", "status": "200"}) or 0.0


def test_kept_answers_are_counted_in_the_metrics(counting):
    client = counting.test_client()
    before = _answered_counts()
    for _ in range(3):
        _counts(client)
    assert _answered_counts() - before == 3


def test_a_full_cache_drops_its_oldest_answer():
    clock = Clock()
    recent = RecentAnswers(seconds=60, max_entries=3, clock=clock)
    for key in ("a", "b", "c"):
        clock.now += 1
        recent.keep((key,), clock(), "200 OK", [], key.encode())
    recent.keep(("d",), clock(), "200 OK", [], b"d")
    assert recent.get(("a",)) is None
    assert [recent.get((k,)).body for k in ("b", "c", "d")] == [b"b", b"c", b"d"]

    clock.now += 1
    recent.keep(("b",), clock(), "200 OK", [], b"b2")  # kept again: now the youngest
    recent.keep(("e",), clock(), "200 OK", [], b"e")
    assert recent.get(("c",)) is None and recent.get(("b",)).body == b"b2"


def test_a_negative_window_is_refused():
    with pytest.raises(ConfigError, match="DISCUSS_COUNTS_CACHE_SECONDS"):
        load_settings({"counts_cache_seconds": -1, "secret_key": "s" * 20}, environ={})
