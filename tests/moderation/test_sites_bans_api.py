"""Site settings, thread locks, bans and the audit log through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from discuss.extensions import db
from discuss.models import Ban
from tests.moderation.moderation_helpers import bearer


@pytest.fixture
def key(make_site, make_key):
    make_site()
    return make_key("news")


def patch(client, key, **changes):
    return client.patch("/api/v1/moderation/sites/news", json=changes, headers=bearer(key))


def test_settings_read_and_change(client, key):
    before = client.get("/api/v1/moderation/sites/news", headers=bearer(key)).get_json()
    assert before["moderation"] == "post" and before["max_links"] == 2
    assert set(before) >= {"origins", "max_depth", "edit_window_seconds", "auto_close_days",
                           "require_email", "language", "privacy_url", "flag_threshold",
                           "closed", "spam_checks", "settings_version"}
    listing = client.get("/api/v1/comments?site=news&thread=article-1")

    response = patch(client, key, moderation="pre", max_links=5, auto_close_days=14,
                     require_email=True, language="pt-BR", flag_threshold=2,
                     privacy_url="https://news.example/privacy",
                     origins=["https://news.example/", "https://www.news.example"],
                     spam_checks=[])
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["moderation"] == "pre" and after["max_links"] == 5
    assert after["origins"] == ["https://news.example", "https://www.news.example"]
    assert after["settings_version"] == before["settings_version"] + 1
    assert client.get("/api/v1/config?site=news&thread=t").get_json()["require_email"] is True
    stale = client.get("/api/v1/comments?site=news&thread=article-1",
                       headers={"If-None-Match": listing.headers["ETag"]})
    assert stale.status_code == 200, "a settings change must change the listing's ETag"

    same = patch(client, key, max_links=5)
    assert same.get_json()["settings_version"] == after["settings_version"]


@pytest.mark.parametrize("changes, field", [
    ({"max_links": -1}, "max_links"),
    ({"max_depth": 99}, "max_depth"),
    ({"moderation": "sometimes"}, "moderation"),
    ({"origins": ["not an origin"]}, "origins"),
    ({"privacy_url": "javascript:alert(1)"}, "privacy_url"),
    ({"language": "english please"}, "language"),
    ({"spam_checks": [42]}, "spam_checks"),
    ({"spam_checks": [{"name": "no-such-check"}]}, "spam_checks"),
    ({"flag_threshold": None}, "flag_threshold"),
    ({"max_links": "3"}, "max_links"),
    ({"slug": "renamed"}, "slug"),
    ({}, "_schema"),
])
def test_bad_settings_are_422_with_field_errors(client, key, changes, field):
    response = patch(client, key, **changes)
    assert response.status_code == 422, response.get_json()
    assert any(name.split("[")[0] == field for name in response.get_json()["errors"])
    site = client.get("/api/v1/moderation/sites/news", headers=bearer(key)).get_json()
    assert site["settings_version"] == 1


def test_lock_and_unlock_a_thread(client, key, post_comment):
    assert post_comment("first").status_code == 201
    locked = client.post("/api/v1/moderation/threads", headers=bearer(key),
                         json={"site": "news", "thread": "article-1", "locked": True})
    assert locked.status_code == 200
    assert locked.get_json() | {"comment_count": 1} == {
        "site": "news", "key": "article-1", "title": None, "url": None, "locked": True,
        "closed": True, "comment_count": 1}
    refused = post_comment("second")
    assert refused.status_code == 403
    assert client.get("/api/v1/config?site=news&thread=article-1").get_json()["thread"]["locked"]
    client.post("/api/v1/moderation/threads", headers=bearer(key),
                json={"site": "news", "thread": "article-1", "locked": False})
    assert post_comment("third").status_code == 201


def test_locking_an_article_without_comments_yet(client, key, post_comment):
    response = client.post("/api/v1/moderation/threads", headers=bearer(key),
                           json={"site": "news", "thread": "sensitive", "locked": True})
    assert response.status_code == 200
    assert post_comment("no", thread="sensitive").status_code == 403


def test_bad_lock_requests(client, key):
    for payload in ({"site": "news", "thread": "a"}, {"site": "news", "locked": True},
                    {"site": "news", "thread": "", "locked": True},
                    {"site": "news", "thread": "a", "locked": "maybe"}):
        response = client.post("/api/v1/moderation/threads", json=payload, headers=bearer(key))
        assert response.status_code == 422, payload
    unknown = client.post("/api/v1/moderation/threads", headers=bearer(key),
                          json={"site": "nowhere", "thread": "a", "locked": True})
    assert unknown.status_code == 404


def ban(client, key, **fields):
    return client.post("/api/v1/moderation/bans", json={"site": "news"} | fields,
                       headers=bearer(key))


def test_banned_email_is_refused_with_403(client, key, post_comment):
    created = ban(client, key, kind="email", value="Troll@Example.org", reason="abuse")
    assert created.status_code == 201
    body = created.get_json()
    assert body["kind"] == "email" and body["value"] == "troll@example.org"
    assert body["active"] is True and body["expires_at"] is None and body["site"] == "news"
    refused = post_comment("again", author_email="troll@example.org")
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert post_comment("someone else", author_email="kind@example.org").status_code == 201
    assert client.get("/api/v1/comments?site=news&thread=article-1").get_json()[
        "comments"][0]["html"] == "<p>someone else</p>"


def test_ip_network_and_name_bans(client, key, post_comment):
    ban(client, key, kind="ip", value="203.0.113.0/24")
    ban(client, key, kind="name", value="  Spam   King ")
    assert post_comment("x", ip="203.0.113.77").status_code == 403
    assert post_comment("x", ip="198.51.100.1").status_code == 201
    assert post_comment("x", author_name="spam king", ip="198.51.100.2").status_code == 403


def test_expired_ban_no_longer_refuses(app, client, key, post_comment):
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ban_id = ban(client, key, kind="ip", value="192.0.2.1", expires_at=future).get_json()["id"]
    assert post_comment("x").status_code == 403
    with app.app_context():
        db.session.get(Ban, ban_id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert post_comment("x").status_code == 201
    listed = client.get("/api/v1/moderation/bans?site=news", headers=bearer(key)).get_json()
    assert listed["bans"] == []
    every = client.get("/api/v1/moderation/bans?site=news&include_expired=true",
                       headers=bearer(key)).get_json()
    assert [(b["id"], b["active"]) for b in every["bans"]] == [(ban_id, False)]


@pytest.mark.parametrize("fields, field", [
    ({"kind": "ip", "value": "not-an-ip"}, "value"),
    ({"kind": "email", "value": "nobody"}, "value"),
    ({"kind": "phone", "value": "123"}, "kind"),
    ({"kind": "ip", "value": ""}, "value"),
    ({"kind": "ip", "value": "192.0.2.1", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ({"kind": "ip", "value": "192.0.2.1", "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
    ({"kind": "ip", "value": "192.0.2.1", "colour": "red"}, "colour"),
])
def test_bad_bans_are_422(client, key, fields, field):
    response = ban(client, key, **fields)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_duplicate_ban_is_409_and_lifting_works(client, key, post_comment):
    first = ban(client, key, kind="ip", value="192.0.2.1").get_json()
    assert ban(client, key, kind="ip", value="192.0.2.1").status_code == 409
    assert client.delete(f"/api/v1/moderation/bans/{first['id']}",
                         headers=bearer(key)).status_code == 204
    assert client.delete(f"/api/v1/moderation/bans/{first['id']}",
                         headers=bearer(key)).status_code == 404
    assert post_comment("back").status_code == 201


def test_ban_on_every_site_needs_an_all_sites_actor(client, key, make_key, make_site,
                                                    post_comment):
    make_site("other", origins=("https://other.example",))
    refused = client.post("/api/v1/moderation/bans", headers=bearer(key),
                          json={"site": None, "kind": "ip", "value": "192.0.2.1"})
    assert refused.status_code == 403
    everywhere = client.post("/api/v1/moderation/bans", headers=bearer(make_key()),
                             json={"kind": "ip", "value": "192.0.2.1"})
    assert everywhere.status_code == 201 and everywhere.get_json()["site"] is None
    assert post_comment("x", site="other").status_code == 403
    listed = client.get("/api/v1/moderation/bans", headers=bearer(key)).get_json()["bans"]
    assert [b["site"] for b in listed] == [None]
    lift = client.delete(f"/api/v1/moderation/bans/{listed[0]['id']}", headers=bearer(key))
    assert lift.status_code == 403


def test_audit_log_filters(client, make_site, make_key, held, signed_in):
    make_site(moderation="pre")
    make_site("other", moderation="pre")
    key = make_key()
    a, b = held("a"), held("b", site="other")
    client.post(f"/api/v1/moderation/comments/{a}", json={"action": "approve"},
                headers=bearer(key))
    moderator, token = signed_in("mod", sites=("other",))
    moderator.post(f"/api/v1/moderation/comments/{b}", json={"action": "spam", "note": "bot"},
                   headers={"X-CSRFToken": token})

    def events(who, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return who.get(f"/api/v1/moderation/audit?{query}", **(
            {"headers": bearer(key)} if who is client else {})).get_json()["events"]

    assert [e["comment_id"] for e in events(client, site="news")] == [a]
    assert [(e["actor"], e["note"]) for e in events(client, actor="mod")] == [("mod", "bot")]
    assert [e["comment_id"] for e in events(moderator) if e["comment_id"]] == [b]
    page = client.get("/api/v1/moderation/audit?limit=1", headers=bearer(key)).get_json()
    assert len(page["events"]) == 1 and page["next_cursor"]
    rest = client.get(f"/api/v1/moderation/audit?limit=50&cursor={page['next_cursor']}",
                      headers=bearer(key)).get_json()["events"]
    assert page["events"][0]["id"] not in {e["id"] for e in rest}
    assert client.get("/api/v1/moderation/audit?cursor=zzz",
                      headers=bearer(key)).status_code == 400
