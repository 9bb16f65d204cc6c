"""CORS on the public API: a site's own origins, and ours, may call it; others are refused."""

from __future__ import annotations

import pytest

ALLOWED = "https://news.example"
FOREIGN = "https://evil.example"


@pytest.fixture
def news(make_site):
    return make_site("news", origins=(ALLOWED, "http://localhost:8000"))


def preflight(client, path, origin, method="POST"):
    return client.options(path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, authorization"})


def test_preflight_from_an_allowed_origin_is_answered(client, news):
    response = preflight(client, "/api/v1/comments?site=news", ALLOWED)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("path", [
    "/api/v1/comments/1?site=news", "/api/v1/comments/1/vote?site=news",
    "/api/v1/comments/1/flag?site=news", "/api/v1/preview?site=news",
])
def test_preflight_for_every_public_write(client, news, path):
    assert preflight(client, path, ALLOWED, "PATCH").status_code == 204
    refused = preflight(client, path, FOREIGN, "PATCH")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_preflight_from_a_foreign_origin_is_refused(client, news):
    response = preflight(client, "/api/v1/comments?site=news", FOREIGN)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_for_an_unknown_site_is_refused(client, news):
    assert preflight(client, "/api/v1/comments?site=nope", ALLOWED).status_code == 403


def test_reads_are_shared_with_allowed_origins_only(client, news):
    url = "/api/v1/comments?site=news&thread=a"
    allowed = client.get(url, headers={"Origin": ALLOWED})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    foreign = client.get(url, headers={"Origin": FOREIGN})
    assert foreign.status_code == 200  # the browser, not the server, withholds it
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert "Origin" in foreign.headers["Vary"]


def test_origins_compare_without_case_or_trailing_slash(client, news):
    response = client.get("/api/v1/config?site=news&thread=a",
                          headers={"Origin": "HTTP://LOCALHOST:8000"})
    assert response.headers["Access-Control-Allow-Origin"] == "HTTP://LOCALHOST:8000"


def test_counts_for_an_allowed_origin(client, news):
    response = client.get("/api/v1/counts?site=news&thread=a", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("cookie", [False, True], ids=["fast path", "flask"])
def test_only_headers_an_answer_carries_are_exposed(client, news, cookie):
    """A page's script may read ETag and Retry-After; an answer names those it has, and a
    counts answer, which has neither, sends no Access-Control-Expose-Headers at all."""
    if cookie:
        client.set_cookie("session", "x")  # Flask answers, with its hooks
    listing = client.get("/api/v1/comments?site=news&thread=a", headers={"Origin": ALLOWED})
    counts = client.get("/api/v1/counts?site=news&thread=a", headers={"Origin": ALLOWED})
    assert listing.headers["Access-Control-Expose-Headers"] == "ETag"
    assert counts.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Expose-Headers" not in counts.headers


def test_a_refusal_to_an_allowed_origin_exposes_retry_after(make_app, news):
    client = make_app(rate_limit_default="1 per minute").test_client()
    url = "/api/v1/counts?site=news&thread=a"
    assert client.get(url, headers={"Origin": ALLOWED}).status_code == 200
    refused = client.get(url, headers={"Origin": ALLOWED})
    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert refused.headers["Access-Control-Expose-Headers"] == "Retry-After"


def test_a_post_exposes_the_rate_limiters_retry_after(client, make_site, form_token):
    """The flood limit's headers are added to a post's answer after the view, Retry-After
    among them; the page's script may read it on the 201 as on a 429."""
    make_site("flooded", origins=(ALLOWED,), spam_checks=[{"name": "flood", "options": {}}])
    body = {"site": "flooded", "thread": "a", "body": "Hello",
            "form_token": form_token("flooded", "a")}
    response = client.post("/api/v1/comments", json=body, headers={"Origin": ALLOWED})
    assert response.status_code == 201
    assert "Retry-After" in response.headers
    assert response.headers["Access-Control-Expose-Headers"] == "Retry-After"


def test_a_post_names_its_site_in_the_body(client, news, form_token):
    body = {"site": "news", "thread": "a", "body": "Hello", "form_token": form_token("news", "a")}
    response = client.post("/api/v1/comments", json=body, headers={"Origin": ALLOWED})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_post_from_a_foreign_origin_is_refused_and_stores_nothing(client, news, form_token):
    body = {"site": "news", "thread": "a", "body": "Hello", "form_token": form_token("news", "a")}
    response = client.post("/api/v1/comments", json=body, headers={"Origin": FOREIGN})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    listing = client.get("/api/v1/comments?site=news&thread=a").get_json()
    assert listing["comments"] == []


def test_another_sites_origin_is_foreign_here(client, news, make_site, form_token):
    make_site("other", origins=(FOREIGN,))
    response = client.get("/api/v1/config?site=news&thread=a", headers={"Origin": FOREIGN})
    assert "Access-Control-Allow-Origin" not in response.headers
    response = client.get("/api/v1/config?site=other&thread=a", headers={"Origin": FOREIGN})
    assert response.headers["Access-Control-Allow-Origin"] == FOREIGN


def test_votes_and_edits_from_a_foreign_origin_are_refused(client, news, post_comment):
    created = post_comment(site="news").get_json()
    comment_id = created["comment"]["id"]
    vote = client.post(f"/api/v1/comments/{comment_id}/vote?site=news", json={"value": 1},
                       headers={"Origin": FOREIGN})
    assert vote.status_code == 403
    edit = client.patch(f"/api/v1/comments/{comment_id}?site=news", json={"body": "changed"},
                        headers={"Origin": FOREIGN,
                                 "Authorization": f"Bearer {created['edit_token']}"})
    assert edit.status_code == 403
    ok = client.post(f"/api/v1/comments/{comment_id}/vote?site=news", json={"value": 1},
                     headers={"Origin": ALLOWED})
    assert ok.status_code == 200 and ok.get_json()["likes"] == 1


def test_the_services_own_origin_is_always_allowed(client, news):
    own = "http://localhost"  # the test client's host
    response = preflight(client, "/api/v1/comments?site=news", own)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == own


def test_the_configured_public_url_is_allowed(other_app, make_site):
    app = other_app(public_url="https://comments.example/")
    make_site("news", origins=(ALLOWED,))
    response = app.test_client().get("/api/v1/config?site=news&thread=a",
                                     headers={"Origin": "https://comments.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://comments.example"


def test_requests_without_origin_are_untouched(client, news):
    response = client.get("/api/v1/comments?site=news&thread=a")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_moderation_and_docs_are_not_shared(client, news):
    for path in ("/api/v1/moderation/comments?site=news", "/api/v1/openapi.json?site=news"):
        response = client.get(path, headers={"Origin": ALLOWED})
        assert "Access-Control-Allow-Origin" not in response.headers, path
        assert preflight(client, path, ALLOWED, "GET").headers.get(
            "Access-Control-Allow-Origin") is None
