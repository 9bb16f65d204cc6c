"""The queue and bulk actions through the API."""

from __future__ import annotations

import pytest

from discuss.extensions import db
from discuss.models import Comment
from tests.moderation.moderation_helpers import LINKS_VERDICT, bearer


@pytest.fixture
def key(make_site, make_key):
    make_site(moderation="pre")
    return make_key("news")


def queue(client, key, **params):
    query = "&".join(f"{k}={v}" for k, v in ({"site": "news"} | params).items())
    return client.get(f"/api/v1/moderation/comments?{query}", headers=bearer(key))


def test_queue_shows_what_moderators_need(client, key, held, set_checks):
    parent = held("The parent.", author_name="Olena", thread_title="Harbour",
                  thread_url="https://news.example/h")
    client.post(f"/api/v1/moderation/comments/{parent}", json={"action": "approve"},
                headers=bearer(key))
    reply = held("A [b](https://b.example) [c](https://c.example) [d](https://d.example)",
                 parent_id=parent, author_name="Ivan", author_email="Ivan@Example.org",
                 ip="203.0.113.9")
    set_checks(reply, [LINKS_VERDICT])

    body = queue(client, key).get_json()
    assert [c["id"] for c in body["comments"]] == [reply]
    item = body["comments"][0]
    assert item["email"] == "ivan@example.org"
    assert item["ip"] == "203.0.113.9"
    assert item["author"]["name"] == "Ivan"
    assert item["checks"] == [LINKS_VERDICT]
    assert item["flags"] == []
    assert item["parent"] == {"id": parent, "status": "approved", "author_name": "Olena",
                              "body": "The parent."}
    assert item["thread"] == {"key": "article-1", "title": "Harbour",
                              "url": "https://news.example/h", "locked": False}
    assert item["site"] == "news" and item["status"] == "pending"
    assert body["counts"]["pending"] == 1 and body["counts"]["approved"] == 1


def test_queue_pages_oldest_first_by_default(client, key, held):
    ids = [held(f"comment {n}") for n in range(5)]
    seen, cursor = [], None
    while True:
        page = queue(client, key, limit=2, **({"cursor": cursor} if cursor else {})).get_json()
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    newest = queue(client, key, order="newest", limit=10).get_json()["comments"]
    assert [c["id"] for c in newest] == ids[::-1]


def test_queue_by_status(client, key, held):
    a, b, c = held("a"), held("b"), held("c")
    client.post(f"/api/v1/moderation/comments/{b}", json={"action": "spam"}, headers=bearer(key))
    client.post(f"/api/v1/moderation/comments/{c}", json={"action": "reject"},
                headers=bearer(key))
    for status, expected in (("pending", [a]), ("spam", [b]), ("rejected", [c]),
                             ("approved", []), ("deleted", []), ("flagged", [])):
        assert [x["id"] for x in queue(client, key, status=status).get_json()["comments"]] \
            == expected, status


@pytest.mark.parametrize("params", [{"status": "nonsense"}, {"cursor": "garbage"},
                                    {"limit": "0"}, {"limit": "1000"}, {"order": "random"}])
def test_bad_queue_parameters_are_400(client, key, params):
    response = queue(client, key, **params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_unknown_site_is_404(client, key):
    assert queue(client, key, site="nowhere").status_code == 404


def test_queue_page_is_a_fixed_number_of_queries(client, key, held, query_counter, app):
    for n in range(3):
        held(f"comment {n}")

    def count() -> int:
        with query_counter() as counter:
            assert queue(client, key).status_code == 200
        return counter.count

    count()  # the key's first use records when it was used
    few = count()
    for n in range(12):
        held(f"more {n}")
    with app.app_context():
        for comment in db.session.execute(db.select(Comment)).scalars():
            comment.flag_count = 1
        db.session.commit()
    assert count() == few + 1  # the flags of the page: one more query, whatever the size


def test_bulk_reports_each_id(client, key, held):
    a, b = held("a"), held("b")
    client.post(f"/api/v1/moderation/comments/{b}", json={"action": "spam"}, headers=bearer(key))
    response = client.post("/api/v1/moderation/comments/bulk", headers=bearer(key),
                           json={"ids": [a, b, 987654, a], "action": "spam", "note": "wave"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["action"] == "spam"
    assert [(r["id"], r["ok"], r["status"]) for r in body["results"]] == [
        (a, True, 200), (b, False, 409), (987654, False, 404)]
    assert body["results"][0]["comment"]["status"] == "spam"
    assert "already" in body["results"][1]["detail"] or "is spam" in body["results"][1]["detail"]


@pytest.mark.parametrize("payload", [{"ids": [], "action": "spam"},
                                     {"ids": list(range(1, 202)), "action": "spam"},
                                     {"ids": ["1"], "action": "spam"},
                                     {"ids": [1], "action": "frobnicate"},
                                     {"action": "spam"}])
def test_bad_bulk_requests_are_422(client, key, payload):
    response = client.post("/api/v1/moderation/comments/bulk", json=payload,
                           headers=bearer(key))
    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_bulk_across_sites_changes_nothing(client, make_site, make_key, held, status_of):
    make_site(moderation="pre")
    make_site("other", moderation="pre")
    mine = held("mine")
    theirs = held("theirs", site="other")
    response = client.post("/api/v1/moderation/comments/bulk", headers=bearer(make_key("news")),
                           json={"ids": [mine, theirs], "action": "approve"})
    assert response.status_code == 403
    assert status_of(mine) == "pending" and status_of(theirs) == "pending"


def test_all_sites_queue_for_an_unscoped_key(client, make_site, make_key, held):
    make_site(moderation="pre")
    make_site("other", moderation="pre")
    a, b = held("a"), held("b", site="other")
    body = client.get("/api/v1/moderation/comments", headers=bearer(make_key())).get_json()
    assert {c["id"] for c in body["comments"]} == {a, b}
    scoped = client.get("/api/v1/moderation/comments",
                        headers=bearer(make_key("other"))).get_json()
    assert [c["id"] for c in scoped["comments"]] == [b]


def test_openapi_documents_the_moderation_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/moderation/comments", "/api/v1/moderation/comments/{comment_id}",
                 "/api/v1/moderation/comments/bulk", "/api/v1/moderation/sites/{slug}",
                 "/api/v1/moderation/threads", "/api/v1/moderation/bans",
                 "/api/v1/moderation/bans/{ban_id}", "/api/v1/moderation/audit"):
        assert path in spec["paths"], path
    act = spec["paths"]["/api/v1/moderation/comments/{comment_id}"]["post"]
    assert {"401", "403", "409"} <= set(act["responses"])
    assert act["security"] == [{"apiKey": []}, {"session": []}]
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
