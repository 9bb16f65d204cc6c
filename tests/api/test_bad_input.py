"""Nothing a client sends produces a 500: every bad request gets a problem+json answer."""

from __future__ import annotations

import json

import pytest

ENDPOINTS_WITH_BODY = [
    ("post", "/api/v1/comments"),
    ("post", "/api/v1/preview"),
    ("post", "/api/v1/comments/1/vote"),
    ("post", "/api/v1/comments/1/flag"),
    ("patch", "/api/v1/comments/1"),
]

RAW_BODIES = [
    b"{not json",
    b"",
    b"null",
    b"[]",
    b"42",
    b'"string"',
    b"\xff\xfe\xfa invalid utf-8",
    b'{"body": "\xc3\x28"}',
    b'{"body": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"site": {"$gt": ""}, "thread": ["a"], "body": 1}',
]

WRONG_TYPES = [
    {"site": 1, "thread": 2, "body": 3},
    {"site": "news", "thread": "a", "body": "x", "parent_id": 10**30},
    {"site": "news", "thread": "a", "body": "x", "parent_id": -1},
    {"site": "news", "thread": "a", "body": "x", "parent_id": "7"},
    {"site": "news", "thread": "a", "body": "x", "parent_id": 1.5},
    {"site": "news", "thread": "a", "body": "nul \u0000 byte"},
    {"site": "news", "thread": "a\u0000b", "body": "x"},
    {"site": "news", "thread": "a", "body": "lone \ud800 surrogate"},
    {"site": "news", "thread": "a", "body": "x", "author_email": ["a@b.c"]},
    {"site": "news", "thread": "a", "body": "x", "unknown_field": True},
    {"site": "news", "thread": "a", "body": "x", "notify_replies": {"a": 1}},
    {"value": 10**100},
    {"value": "up"},
    {"reason": None},
]


def _send(client, method, url, **kwargs):
    return getattr(client, method)(url, **kwargs)


@pytest.fixture
def comment_id(site, post_comment):
    return post_comment("target").get_json()["comment"]["id"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS_WITH_BODY)
@pytest.mark.parametrize("raw", RAW_BODIES)
def test_malformed_bodies_are_4xx_problems(client, comment_id, method, url, raw):
    response = _send(client, method, url.replace("/1", f"/{comment_id}"), data=raw,
                     content_type="application/json")
    assert 400 <= response.status_code < 500, response.get_data()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["detail"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS_WITH_BODY)
@pytest.mark.parametrize("payload", WRONG_TYPES)
def test_wrong_types_and_values_are_4xx(client, comment_id, method, url, payload):
    data = json.dumps(payload)  # json.dumps keeps lone surrogates as \ud800 escapes
    response = _send(client, method, url.replace("/1", f"/{comment_id}"), data=data,
                     content_type="application/json")
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data())
    assert response.mimetype == "application/problem+json"


def test_invalid_json_says_so(client):
    response = client.post("/api/v1/comments", data=b"{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"] == "The request body is not valid JSON."
    assert "errors" not in response.get_json()


def test_unknown_fields_are_named(client, site):
    response = client.post("/api/v1/comments", json={"site": "news", "thread": "a", "body": "x",
                                                     "is_admin": True})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"is_admin": ["Unknown field."]}


def test_one_megabyte_body_is_413(client, site):
    big = json.dumps({"site": "news", "thread": "a", "body": "x" * (1024 * 1024)})
    response = client.post("/api/v1/comments", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Request Entity Too Large"


def test_body_limit_is_configurable(make_app):
    app = make_app(max_request_bytes=1000)
    response = app.test_client().post("/api/v1/preview", data=json.dumps({"body": "x" * 2000}),
                                      content_type="application/json")
    assert response.status_code == 413


def test_unknown_route_and_wrong_method_are_problems(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                                  "detail": "There is nothing at this address."}
    wrong = client.put("/api/v1/comments")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "POST" in wrong.headers["Allow"]
    assert client.get("/api/v1/comments/not-a-number").status_code == 404


@pytest.mark.parametrize("query", [
    "site=news&thread=a&limit=99999999999999999999999",
    "site=news&thread=a&cursor=" + "A" * 400,
    "site=news&thread=" + "x" * 600,
    "site=%00&thread=a",
    "site=news&thread=a%00b",
    "site=news&thread=a&sort=%ff",
    "thread=a",
])
def test_bad_queries_are_4xx(client, site, query):
    response = client.get(f"/api/v1/comments?{query}")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
