"""Who may do what: every public endpoint against every kind of credential, with the status
each must get, and proof that a refused request changed nothing. Tokens are only good for
their own purpose and their own comment.

Adding a credential or an endpoint is one entry in CREDENTIALS / the EXPECTED table."""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from discuss import create_app
from discuss.extensions import db
from discuss.models import Comment, utcnow
from discuss.tokens import EDIT_SALT, FORM_SALT, make_edit_token

HOUR = 3600


class _SignedAnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - HOUR


def _token_from_the_past(app: Any, comment_id: int) -> str:
    """The comment's own edit token as it was issued an hour ago (same secret, same salt)."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=EDIT_SALT,
                                        signer=_SignedAnHourAgo)
    return serializer.dumps({"c": comment_id})


@functools.cache
def _another_installation() -> Any:
    return create_app({"database_url": "sqlite://", "secret_key": "another-installation-key",
                       "instance_path": tempfile.mkdtemp(prefix="discuss-other-")})


def _token_of_another_installation(comment_id: int) -> str:
    """A genuine edit token for the same comment id, signed by another server's secret."""
    with _another_installation().app_context():
        return make_edit_token(comment_id)


class Scene:
    """A target comment (approved or held) with its token, and a second comment by someone else."""

    def __init__(self, app, client, make_site, post_comment, target: str) -> None:
        self.app, self.client = app, client
        make_site("news", moderation="post")
        make_site("held", moderation="pre")
        site = "news" if target == "approved" else "held"
        mine = post_comment("the target comment", site=site).get_json()
        theirs = post_comment("someone else's comment", site="news").get_json()
        self.id = mine["comment"]["id"]
        self.site = site
        self.own_token = mine["edit_token"]
        self.other_token = theirs["edit_token"]
        self.form_token = client.get(f"/api/v1/config?site={site}&thread=article-1").get_json()[
            "form_token"]

    def age(self, seconds: int) -> None:
        with self.app.app_context():
            db.session.execute(sa.update(Comment).where(Comment.id == self.id)
                               .values(created_at=utcnow() - timedelta(seconds=seconds)))
            db.session.commit()

    def stored(self) -> tuple[str, str]:
        with self.app.app_context():
            row = db.session.get(Comment, self.id)
            return row.body_source, row.status.value


# credential name -> (header value or None, whether the comment's window is over)
CREDENTIALS: dict[str, Callable[[Scene], tuple[str | None, bool]]] = {
    "anonymous": lambda s: (None, False),
    "own edit token": lambda s: (s.own_token, False),
    "edit token of another comment": lambda s: (s.other_token, False),
    "own token after the edit window": lambda s: (s.own_token, True),
    "own token issued an hour ago": lambda s: (_token_from_the_past(s.app, s.id), False),
    "form token as edit token": lambda s: (s.form_token, False),
    "token of another installation": lambda s: (_token_of_another_installation(s.id), False),
    "garbage": lambda s: ("not-a-token", False),
}

ENDPOINTS: dict[str, Callable[[Scene, dict], Any]] = {
    "GET comment": lambda s, h: s.client.get(f"/api/v1/comments/{s.id}", headers=h),
    "PATCH comment": lambda s, h: s.client.patch(f"/api/v1/comments/{s.id}", headers=h,
                                                 json={"body": "changed by the request"}),
    "DELETE comment": lambda s, h: s.client.delete(f"/api/v1/comments/{s.id}", headers=h),
    "POST vote": lambda s, h: s.client.post(f"/api/v1/comments/{s.id}/vote", headers=h,
                                            json={"value": 1}),
    "POST flag": lambda s, h: s.client.post(f"/api/v1/comments/{s.id}/flag", headers=h,
                                            json={"reason": "spam"}),
    "GET listing": lambda s, h: s.client.get(f"/api/v1/comments?site={s.site}&thread=article-1",
                                             headers=h),
    "GET config": lambda s, h: s.client.get(f"/api/v1/config?site={s.site}&thread=article-1",
                                            headers=h),
    "GET counts": lambda s, h: s.client.get(f"/api/v1/counts?site={s.site}&thread=article-1",
                                            headers=h),
    "POST preview": lambda s, h: s.client.post("/api/v1/preview", headers=h,
                                               json={"body": "*hi*"}),
    "POST comment": lambda s, h: s.client.post("/api/v1/comments", headers=h, json={
        "site": s.site, "thread": "article-1", "body": "a new one", "form_token": s.form_token}),
}



def row(*statuses: int) -> dict[str, int]:
    return dict(zip(CREDENTIALS, statuses, strict=True))


def same(status: int) -> dict[str, int]:
    return {c: status for c in CREDENTIALS}


#                    anon own  other late past form foreign junk
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("approved", "GET comment"): row(200, 200, 403, 200, 200, 403, 403, 403),
    ("approved", "PATCH comment"): row(401, 200, 403, 403, 403, 403, 403, 403),
    ("approved", "DELETE comment"): row(401, 204, 403, 403, 403, 403, 403, 403),
    ("approved", "POST vote"): same(200),
    ("approved", "POST flag"): same(202),
    ("pending", "GET comment"): row(404, 200, 403, 403, 403, 403, 403, 403),
    ("pending", "PATCH comment"): row(401, 200, 403, 403, 403, 403, 403, 403),
    ("pending", "DELETE comment"): row(401, 204, 403, 403, 403, 403, 403, 403),
    ("pending", "POST vote"): same(404),
    ("pending", "POST flag"): same(404),
}
for target, created in (("approved", 201), ("pending", 202)):
    for name, status in (("GET listing", 200), ("GET config", 200), ("GET counts", 200),
                         ("POST preview", 200), ("POST comment", created)):
        EXPECTED[(target, name)] = same(status)



@pytest.mark.parametrize(("target", "endpoint"), list(EXPECTED),
                         ids=[f"{t}-{e}".replace(" ", "_") for t, e in EXPECTED])
def test_access_matrix(app, client, make_site, post_comment, target, endpoint):
    """One scene per cell row; the owner goes last, since a granted DELETE ends the scene."""
    scene = Scene(app, client, make_site, post_comment, target)
    order = [c for c in CREDENTIALS if c != "own edit token"] + ["own edit token"]
    for credential in order:
        status = EXPECTED[(target, endpoint)][credential]
        token, window_over = CREDENTIALS[credential](scene)
        if window_over:
            scene.age(HOUR)
        before = scene.stored()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = ENDPOINTS[endpoint](scene, headers)
        if window_over:
            scene.age(0)
        where = f"{target} {endpoint} with {credential}"
        assert response.status_code == status, (where, response.get_data(as_text=True))
        if status >= 400:
            assert response.mimetype == "application/problem+json", where
            if status == 401:  # the client is told which credential to send
                assert response.headers.get("WWW-Authenticate") == "Bearer", where
            assert scene.stored() == before, f"{where}: a refused request changed the comment"
        if endpoint == "GET comment" and status == 200:
            shows_source = "body" in response.get_json()
            assert shows_source == (credential == "own edit token"), f"{where}: source shown"


def test_edit_token_stops_working_once_the_comment_is_deleted(client, site, post_comment):
    created = post_comment("short-lived").get_json()
    url = f"/api/v1/comments/{created['comment']['id']}"
    headers = {"Authorization": f"Bearer {created['edit_token']}"}
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert client.patch(url, json={"body": "back"}, headers=headers).status_code == 404


def test_a_token_for_one_comment_never_opens_another(client, site, post_comment):
    tokens = [post_comment(f"comment {n}").get_json() for n in range(3)]
    for mine in tokens:
        for other in tokens:
            if other is mine:
                continue
            response = client.patch(f"/api/v1/comments/{other['comment']['id']}",
                                    json={"body": "hijacked"},
                                    headers={"Authorization": f"Bearer {mine['edit_token']}"})
            assert response.status_code == 403
    bodies = [c["html"] for c in client.get(
        "/api/v1/comments?site=news&thread=article-1").get_json()["comments"]]
    assert "<p>hijacked</p>" not in bodies


def test_only_a_form_token_of_this_site_passes_as_a_form_token(app, client, make_site,
                                                                post_comment):
    """An edit token, another site's form token or another installation's is not a loaded
    form: the timing check holds the comment and says why."""
    timing = [{"name": "timing", "options": {"min_seconds": 0}}]
    make_site("news", spam_checks=timing)
    make_site("other", origins=("https://other.example",), spam_checks=[])
    genuine = post_comment("A real reader.")
    assert genuine.status_code == 201
    edit_token = genuine.get_json()["edit_token"]
    other_form = client.get("/api/v1/config?site=other&thread=t").get_json()["form_token"]
    with _another_installation().app_context():
        from discuss.tokens import make_form_token

        foreign_form = make_form_token("news")
    for name, token in (("edit token", edit_token), ("another site's form token", other_form),
                        ("another installation's form token", foreign_form),
                        ("garbage", "not-a-token")):
        response = post_comment(f"Posted with {name}.", form_token=token)
        assert response.status_code == 202, (name, response.get_json())
        with app.app_context():
            stored = db.session.get(Comment, response.get_json()["comment"]["id"])
            reasons = [r["reason"] for r in stored.checks if r["check"] == "timing"]
        assert stored.status.value == "pending", name
        assert reasons == ["form token is forged, for another site or expired"], (name, reasons)


def test_a_compressed_form_token_still_passes(app, client, make_site, post_comment):
    """Tokens are issued uncompressed; one the library compressed, as it does where that
    shortens the payload (a long, repetitive slug), still loads."""
    slug = "a" * 60
    make_site(slug, spam_checks=[{"name": "timing", "options": {"min_seconds": 0}}])
    compressed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=FORM_SALT).dumps(
        {"s": slug})
    issued = client.get(f"/api/v1/config?site={slug}&thread=t").get_json()["form_token"]
    assert compressed.startswith(".") and not issued.startswith(".")

    for token in (compressed, issued):
        response = post_comment(f"Posted with {token[:12]}.", site=slug, form_token=token)
        assert response.status_code == 201, response.get_json()
