"""The design in numbers: statements per request do not grow with the thread."""

from __future__ import annotations

import pytest

from tests.perf.conftest import QueryLog


@pytest.fixture
def small_and_big(site, bulk_thread):
    """A thread of 10 comments and one of 1,000 (the same first-page shape of 50 roots)."""
    bulk_thread("small", 10, roots=4)
    bulk_thread("big", 1000, roots=120)
    return {"small": 10, "big": 1000}


def listing(key: str, **params: str) -> str:
    query = "".join(f"&{name}={value}" for name, value in params.items())
    return f"/api/v1/comments?site=news&thread={key}{query}"


def statements(app, client, url: str, **headers: str) -> tuple[int, int, list[str]]:
    with QueryLog(app) as log:
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 304)
    return response.status_code, log.count, log.touching_comments()


def test_cold_read_is_three_statements_whatever_the_size(extra_app, small_and_big):
    uncached = extra_app(listing_cache_bytes=0)
    client = uncached.test_client()
    for key in small_and_big:
        for params in ({}, {"sort": "top"}, {"sort": "newest", "limit": "100"}):
            status, count, _ = statements(uncached, client, listing(key, **params))
            assert (status, count) == (200, 3), (key, params)


def test_next_page_is_three_statements(app, client, small_and_big):
    cursor = client.get(listing("big", limit="10")).get_json()["next_cursor"]
    assert cursor
    status, count, _ = statements(app, client, listing("big", limit="10", cursor=cursor))
    assert (status, count) == (200, 3)


def test_cached_read_is_one_statement_and_no_comment_rows(app, client, small_and_big):
    for key in small_and_big:
        client.get(listing(key))
        status, count, comment_reads = statements(app, client, listing(key))
        assert (status, count, comment_reads) == (200, 1, [])


def test_a_widget_read_from_the_sites_page_is_one_statement_too(app, client, small_and_big):
    """The widget's read carries the page's Origin: the CORS decision uses the origins the
    listing's one statement already read, and a foreign page still gets nothing shared."""
    client.get(listing("small"))
    with QueryLog(app) as log:
        allowed = client.get(listing("small"), headers={"Origin": "https://news.example"})
    assert (allowed.status_code, log.count) == (200, 1)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    with QueryLog(app) as log:
        foreign = client.get(listing("small"), headers={"Origin": "https://evil.example"})
    assert (foreign.status_code, log.count) == (200, 1)
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_not_modified_answers_before_touching_comments(extra_app, small_and_big):
    uncached = extra_app(listing_cache_bytes=0)
    client = uncached.test_client()
    for key in small_and_big:
        tag = client.get(listing(key)).headers["ETag"]
        status, count, comment_reads = statements(uncached, client, listing(key),
                                                  **{"If-None-Match": tag})
        assert (status, count, comment_reads) == (304, 1, [])


def test_counts_for_twenty_threads_is_one_statement(app, client, site, bulk_thread):
    for n in range(20):
        bulk_thread(f"article-{n}", n % 4)
    keys = "".join(f"&thread=article-{n}" for n in range(20))
    with QueryLog(app) as log:
        response = client.get(f"/api/v1/counts?site=news{keys}")
    assert response.get_json()["counts"] == {f"article-{n}": n % 4 for n in range(20)}
    assert log.count == 1
    with QueryLog(app) as log:  # as count.js asks from the site's listing page
        response = client.get(f"/api/v1/counts?site=news{keys}",
                              headers={"Origin": "https://news.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert log.count == 1


def test_posting_costs_the_same_in_a_big_thread(app, client, small_and_big, form_token):
    counts = {}
    for n, key in enumerate(small_and_big):
        token = form_token("news", key)
        parent = client.get(listing(key)).get_json()["comments"][0]["id"]
        with QueryLog(app) as log:
            response = client.post("/api/v1/comments", json={
                "site": "news", "thread": key, "body": f"Reply {n}", "parent_id": parent,
                "form_token": token, "author_email": f"reader{n}@example.org",
            }, environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        assert response.status_code == 201, response.get_json()
        counts[key] = log.count
    assert counts["small"] == counts["big"]


def test_hot_reads_take_the_sites_origins_as_text(app, client, small_and_big):
    """The listing's and the counts' statements read the origins as text, parsed once by the
    service: the driver's JSON loader would otherwise run for every row, and a counts answer
    has a row per thread."""
    with QueryLog(app) as log:
        listed = client.get(listing("small"), headers={"Origin": "https://news.example"})
        counted = client.get("/api/v1/counts?site=news&thread=small&thread=big",
                             headers={"Origin": "https://news.example"})
    assert listed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert counted.headers["Access-Control-Allow-Origin"] == "https://news.example"
    reading_origins = [s for s in log.statements if "origins" in s]
    assert len(reading_origins) == 2
    assert all("CAST(sites.origins AS TEXT)" in s for s in reading_origins), reading_origins


def test_a_post_with_the_default_checks_is_six_statements(app, post_as_widget, backend):
    """The site's row (shared by CORS, the flood limit and the service), the ban query, the
    thread's row, the duplicate count, the comment's INSERT and the thread's bump: the same
    whatever the thread's size; a post that lists its statements twice would show here. On
    PostgreSQL the INSERT and the bump are one statement (a data-modifying WITH)."""
    post = post_as_widget
    writes = ["WITH"] if backend == "postgresql" else ["INSERT", "UPDATE"]

    with QueryLog(app) as log:  # the first comment adds the thread: looked up once, added, read
        assert post(1).status_code in (201, 202)
    assert [s.split()[0].upper() for s in log.statements].count("SELECT") == 4, log.statements
    assert log.count == 5 + len(writes), log.statements
    for n in (2, 3):
        with QueryLog(app) as log:
            response = post(n)
        assert response.status_code in (201, 202)
        assert log.count == 4 + len(writes), log.statements
        assert [s.split()[0].upper() for s in log.statements] == [
            "SELECT", "SELECT", "SELECT", "SELECT", *writes]
