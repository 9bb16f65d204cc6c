"""Who may moderate: every moderation endpoint against every kind of credential, readers'
tokens included, with the status each must get and nothing changed by a refusal; and the
public author endpoints against staff credentials (a moderator is not the comment's author)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from discuss.extensions import db
from discuss.models import Ban, Comment
from discuss.services import accounts
from tests.moderation.moderation_helpers import PASSWORD, sign_in

# name -> (method, path, json) on the "news" site; {c} is a held comment, {b} a ban
ENDPOINTS: dict[str, tuple[str, str, dict | None]] = {
    "GET queue": ("GET", "/api/v1/moderation/comments?site=news&status=pending", None),
    "POST action": ("POST", "/api/v1/moderation/comments/{c}", {"action": "approve"}),
    "POST bulk": ("POST", "/api/v1/moderation/comments/bulk", {"ids": ["{c}"], "action": "spam"}),
    "GET site": ("GET", "/api/v1/moderation/sites/news", None),
    "PATCH site": ("PATCH", "/api/v1/moderation/sites/news", {"max_links": 7}),
    "POST thread lock": ("POST", "/api/v1/moderation/threads",
                         {"site": "news", "thread": "article-1", "locked": True}),
    "GET bans": ("GET", "/api/v1/moderation/bans?site=news", None),
    "POST ban": ("POST", "/api/v1/moderation/bans",
                 {"site": "news", "kind": "email", "value": "troll-{c}@example.org"}),
    "DELETE ban": ("DELETE", "/api/v1/moderation/bans/{b}", None),
    "GET audit": ("GET", "/api/v1/moderation/audit?site=news", None),
}
SUCCESS = {"POST ban": 201, "DELETE ban": 204}

CREDENTIALS = ["anonymous", "reader's edit token", "form token", "API key of another site",
               "moderator of another site", "moderator", "admin", "API key of the site",
               "API key of all sites"]
REFUSED = {"anonymous": 401, "reader's edit token": 401, "form token": 401,
           "API key of another site": 403, "moderator of another site": 403}


def expected(endpoint: str, credential: str) -> int:
    if credential in REFUSED:
        return REFUSED[credential]
    if endpoint == "PATCH site" and credential == "moderator":
        return 403  # site settings are for admins and keys
    return SUCCESS.get(endpoint, 200)


class Staff:
    """Sites, accounts, keys and signed-in clients, made once per test."""

    def __init__(self, app, make_site, post_comment) -> None:
        self.app, self.post_comment = app, post_comment
        make_site("news", moderation="pre")
        make_site("other", origins=("https://other.example",))
        with app.app_context():
            self.keys = {"news": accounts.create_api_key("news")[1],
                         "other": accounts.create_api_key("other")[1],
                         None: accounts.create_api_key(None)[1]}
            for name, role, sites in (("mod", "moderator", ("news",)),
                                      ("elsewhere", "moderator", ("other",)),
                                      ("boss", "admin", ())):
                user = accounts.create_user(name, PASSWORD, role, sites)
                # A cheap hash keeps the sign-ins fast; the slow default is tested elsewhere.
                user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
            db.session.commit()
        self.sessions = {}
        for name in ("mod", "elsewhere", "boss"):
            client = app.test_client()
            self.sessions[name] = (client, sign_in(client, name))

    def fresh_targets(self) -> tuple[int, int]:
        """A new held comment and a new ban, so every credential acts on untouched rows."""
        created = self.post_comment("Held for a moderator.", site="news",
                                    thread="staff-targets").get_json()
        ban = self.app.test_client().post(
            "/api/v1/moderation/bans", headers={"Authorization": f"Bearer {self.keys['news']}"},
            json={"site": "news", "kind": "ip", "value": f"198.51.100.{created['comment']['id']}"})
        assert ban.status_code == 201, ban.get_json()
        self.reader_token = created["edit_token"]
        return created["comment"]["id"], ban.get_json()["id"]

    def client_and_headers(self, credential: str) -> tuple[Any, dict[str, str]]:
        plain = self.app.test_client()
        bearer = {
            "reader's edit token": self.reader_token,
            "form token": plain.get("/api/v1/config?site=news&thread=article-1").get_json()[
                "form_token"],
            "API key of another site": self.keys["other"],
            "API key of the site": self.keys["news"],
            "API key of all sites": self.keys[None],
        }.get(credential)
        if bearer:
            return plain, {"Authorization": f"Bearer {bearer}"}
        account = {"moderator of another site": "elsewhere", "moderator": "mod",
                   "admin": "boss"}.get(credential)
        if account:
            client, csrf = self.sessions[account]
            return client, {"X-CSRFToken": csrf}
        return plain, {}

    def state(self, comment_id: int, ban_id: int) -> tuple:
        with self.app.app_context():
            site_links = db.session.execute(
                db.text("SELECT max_links FROM sites WHERE slug = 'news'")).scalar_one()
            return (db.session.get(Comment, comment_id).status.value,
                    db.session.get(Ban, ban_id) is not None, site_links)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_moderation_access_matrix(app, make_site, post_comment, endpoint):
    staff = Staff(app, make_site, post_comment)
    method, path, body = ENDPOINTS[endpoint]
    for credential in CREDENTIALS:
        comment_id, ban_id = staff.fresh_targets()
        client, headers = staff.client_and_headers(credential)
        json_body = None if body is None else {
            k: [comment_id] if v == ["{c}"] else v.format(c=comment_id) if isinstance(v, str)
            else v for k, v in body.items()}
        before = staff.state(comment_id, ban_id)
        response = client.open(path.format(c=comment_id, b=ban_id), method=method,
                               json=json_body, headers=headers)
        status = expected(endpoint, credential)
        where = f"{endpoint} as {credential}"
        assert response.status_code == status, (where, response.get_json())
        if status == 401:
            assert response.headers.get("WWW-Authenticate") == "Bearer", where
        if status >= 400:
            assert response.mimetype == "application/problem+json", where
            assert staff.state(comment_id, ban_id) == before, f"{where} changed something"


# Public author endpoints with staff credentials: moderating is not authoring.
AUTHOR_ENDPOINTS: dict[str, Callable[[Any, int, dict], Any]] = {
    "GET held comment": lambda c, i, h: c.get(f"/api/v1/comments/{i}", headers=h),
    "PATCH comment": lambda c, i, h: c.patch(f"/api/v1/comments/{i}", headers=h,
                                             json={"body": "rewritten by staff"}),
    "DELETE comment": lambda c, i, h: c.delete(f"/api/v1/comments/{i}", headers=h),
}
STAFF_AS_AUTHOR = {
    # credential: (GET held, PATCH, DELETE)
    "moderator": (404, 401, 401),
    "admin": (404, 401, 401),
    "API key of the site": (403, 403, 403),
    "API key of all sites": (403, 403, 403),
}


@pytest.mark.parametrize("credential", list(STAFF_AS_AUTHOR))
def test_staff_credentials_do_not_open_the_author_endpoints(app, make_site, post_comment,
                                                            credential):
    staff = Staff(app, make_site, post_comment)
    for endpoint, status in zip(AUTHOR_ENDPOINTS, STAFF_AS_AUTHOR[credential], strict=True):
        comment_id, ban_id = staff.fresh_targets()
        client, headers = staff.client_and_headers(credential)
        before = staff.state(comment_id, ban_id)
        response = AUTHOR_ENDPOINTS[endpoint](client, comment_id, headers)
        assert response.status_code == status, (endpoint, credential, response.get_json())
        if status == 401:
            assert response.headers.get("WWW-Authenticate") == "Bearer", (endpoint, credential)
        assert staff.state(comment_id, ban_id) == before
