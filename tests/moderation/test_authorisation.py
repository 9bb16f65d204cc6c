"""Every moderation endpoint: 401 without credentials, 403 for another site's key or moderator.

The same request succeeds for a key or moderator of the right site, so a 403 here is a
refusal of the site, not of the request.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from discuss.extensions import db
from discuss.models import Ban, Comment, Site
from tests.moderation.moderation_helpers import bearer


@dataclass
class World:
    comment_id: int
    ban_id: int


@pytest.fixture
def world(app, make_site, make_key, held) -> World:
    make_site("news", moderation="pre")
    make_site("other", origins=("https://other.example",))
    comment_id = held("On the news site.", author_email="reader@example.org")
    news_key = make_key("news")
    ban = app.test_client().post("/api/v1/moderation/bans", headers=bearer(news_key),
                                 json={"site": "news", "kind": "ip", "value": "198.51.100.7"})
    assert ban.status_code == 201
    return World(comment_id=comment_id, ban_id=ban.get_json()["id"])


# name -> (method, path, json) on the "news" site; {c} is the comment id, {b} the ban id
ENDPOINTS = {
    "queue": ("GET", "/api/v1/moderation/comments?site=news", None),
    "act": ("POST", "/api/v1/moderation/comments/{c}", {"action": "approve"}),
    "bulk": ("POST", "/api/v1/moderation/comments/bulk", {"ids": ["{c}"], "action": "spam"}),
    "site-get": ("GET", "/api/v1/moderation/sites/news", None),
    "site-patch": ("PATCH", "/api/v1/moderation/sites/news", {"max_links": 7}),
    "thread-lock": ("POST", "/api/v1/moderation/threads",
                    {"site": "news", "thread": "article-1", "locked": True}),
    "bans-list": ("GET", "/api/v1/moderation/bans?site=news", None),
    "ban-create": ("POST", "/api/v1/moderation/bans",
                   {"site": "news", "kind": "email", "value": "x@example.org"}),
    "ban-delete": ("DELETE", "/api/v1/moderation/bans/{b}", None),
    "audit": ("GET", "/api/v1/moderation/audit?site=news", None),
    "audit-comment": ("GET", "/api/v1/moderation/audit?comment={c}", None),
}
SUCCESS = {"ban-create": 201, "ban-delete": 204}


def send(client, world: World, name: str, headers: dict[str, str] | None = None):
    method, path, body = ENDPOINTS[name]
    path = path.format(c=world.comment_id, b=world.ban_id)
    if body is not None:
        body = {k: ([world.comment_id] if v == ["{c}"] else v) for k, v in body.items()}
    return client.open(path, method=method, json=body, headers=headers or {})


def unchanged(app, world: World) -> None:
    with app.app_context():
        assert db.session.get(Comment, world.comment_id).status.value == "pending"
        assert db.session.get(Ban, world.ban_id) is not None
        site = db.session.execute(db.select(Site).where(Site.slug == "news")).scalar_one()
        assert site.max_links == 2 and site.settings_version == 1


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_no_credentials_is_401(app, client, world, name):
    response = send(client, world, name)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert send(client, world, name, bearer("dsk_not-a-real-key")).status_code == 401
    unchanged(app, world)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_key_of_another_site_is_403(app, client, world, make_key, name):
    response = send(client, world, name, bearer(make_key("other")))
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["status"] == 403
    unchanged(app, world)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_moderator_of_another_site_is_403(app, world, signed_in, name):
    client, token = signed_in("elsewhere", sites=("other",))
    response = send(client, world, name, {"X-CSRFToken": token})
    assert response.status_code == 403, response.get_json()
    unchanged(app, world)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_key_of_the_site_succeeds(client, world, make_key, name):
    response = send(client, world, name, bearer(make_key("news")))
    assert response.status_code == SUCCESS.get(name, 200), response.get_json()


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS) - {"site-patch"}))
def test_moderator_of_the_site_succeeds(world, signed_in, name):
    client, token = signed_in("mod", sites=("news",))
    response = send(client, world, name, {"X-CSRFToken": token})
    assert response.status_code == SUCCESS.get(name, 200), response.get_json()


def test_settings_are_changed_by_admins_and_keys_not_moderators(world, signed_in, client,
                                                                  make_key):
    moderator, token = signed_in("mod", sites=("news",))
    refused = send(moderator, world, "site-patch", {"X-CSRFToken": token})
    assert refused.status_code == 403
    assert "administrator" in refused.get_json()["detail"]
    admin, admin_token = signed_in("boss", role="admin")
    assert send(admin, world, "site-patch", {"X-CSRFToken": admin_token}).status_code == 200


@pytest.mark.parametrize("name", sorted(n for n, (m, _, _) in ENDPOINTS.items() if m != "GET"))
def test_session_without_csrf_token_is_refused(app, world, signed_in, name):
    client, _ = signed_in("mod", sites=("news",))
    response = send(client, world, name)
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["detail"]
    wrong = send(client, world, name, {"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    unchanged(app, world)


def test_a_key_needs_no_csrf_token_and_a_revoked_key_stops_working(app, client, world,
                                                                   make_key):
    from discuss.services import accounts, actors

    key = make_key("news")
    assert send(client, world, "act", bearer(key)).status_code == 200
    with app.app_context():
        key_id = accounts.authenticate_key(key).key_id
        accounts.revoke_api_key(actors.SYSTEM, key_id)
    assert send(client, world, "queue", bearer(key)).status_code == 401


def test_all_sites_key_and_admin_see_every_site(client, world, make_key, signed_in):
    key = make_key(None)
    assert send(client, world, "act", bearer(key)).status_code == 200
    me = client.get("/api/v1/moderation/me", headers=bearer(key)).get_json()
    assert me == {"name": me["name"], "kind": "key", "admin": False, "sites": None,
                  "csrf_token": None}
    admin, token = signed_in("boss", role="admin")
    assert send(admin, world, "bans-list", {"X-CSRFToken": token}).status_code == 200
