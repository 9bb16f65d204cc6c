"""Accounts and keys from the command line; signing in to the admin."""

from __future__ import annotations

import re

import pytest

from discuss.extensions import db
from discuss.models import ApiKey, User
from tests.moderation.moderation_helpers import PASSWORD, bearer, form_csrf, sign_in


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_admin_and_moderator(app, make_site):
    make_site()
    admin = cli(app, "users", "create", "chief", "--admin", "--password-stdin",
                input=PASSWORD + "\n")
    assert admin.exit_code == 0, admin.output
    assert "created admin chief (all sites)" in admin.output
    mod = cli(app, "users", "create", "olena", "--site", "news",
              input=f"{PASSWORD}\n{PASSWORD}\n")
    assert mod.exit_code == 0, mod.output
    assert "created moderator olena (news)" in mod.output
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.name == "olena")).scalar_one()
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    listed = cli(app, "users", "list")
    assert "chief\tadmin\tall sites" in listed.output
    assert "olena\tmoderator\tnews" in listed.output


@pytest.mark.parametrize("args, message", [
    (["x1"], "either --admin or at least one --site"),
    (["x1", "--admin", "--site", "news"], "either --admin or at least one --site"),
    (["x1", "--site", "nowhere"], "No site named 'nowhere'"),
    (["bad name!", "--admin"], "Invalid user name"),
])
def test_users_create_refuses(app, make_site, args, message):
    make_site()
    result = cli(app, "users", "create", *args, "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert message in result.output


def test_short_password_and_duplicate_name(app):
    short = cli(app, "users", "create", "chief", "--admin", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    cli(app, "users", "create", "chief", "--admin", "--password-stdin", input=PASSWORD + "\n")
    again = cli(app, "users", "create", "chief", "--admin", "--password-stdin",
                input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_keys_are_shown_once_and_stored_hashed(app, client, make_site, held):
    make_site(moderation="pre")
    held()
    result = cli(app, "keys", "create", "--site", "news", "--label", "dashboard")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("dsk_") and len(secret) > 40
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        assert secret not in (key.key_hash, key.prefix) and secret.startswith(key.prefix)
    queue = client.get("/api/v1/moderation/comments?site=news", headers=bearer(secret))
    assert queue.status_code == 200 and len(queue.get_json()["comments"]) == 1
    listed = cli(app, "keys", "list")
    assert secret not in listed.output and "news\tdashboard" in listed.output
    assert cli(app, "keys", "create", "--site", "nowhere").exit_code != 0
    everywhere = cli(app, "keys", "create").stdout.strip()
    assert client.get("/api/v1/moderation/me", headers=bearer(everywhere)).get_json()[
        "sites"] is None
    key_id = listed.output.split("\t")[0]
    assert cli(app, "keys", "revoke", key_id).exit_code == 0
    assert client.get("/api/v1/moderation/me", headers=bearer(secret)).status_code == 401


def test_sign_in_sets_a_safe_session_cookie(app, make_user, site):
    make_user("mod")
    client = app.test_client()
    token = form_csrf(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login?next=/admin/bans",
                           data={"name": "mod", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/bans"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert client.get("/admin/queue").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/",
                                    "/admin/../x", "/elsewhere", "/admin/\\\\evil.example"])
def test_no_open_redirect_after_sign_in(app, make_user, site, target):
    make_user("mod")
    client = app.test_client()
    token = form_csrf(client.get("/admin/login").get_data(as_text=True))
    response = client.post(f"/admin/login?next={target}",
                           data={"name": "mod", "password": PASSWORD, "csrf_token": token})
    location = response.headers["Location"]
    assert location.startswith("/admin/") and "evil" not in location


def test_wrong_name_and_wrong_password_look_the_same(app, make_user, site):
    make_user("mod")
    client = app.test_client()
    answers = []
    for name, password in (("mod", "wrong password!"), ("nobody", PASSWORD)):
        token = form_csrf(client.get("/admin/login").get_data(as_text=True))
        response = client.post("/admin/login", data={"name": name, "password": password,
                                                     "csrf_token": token})
        html = response.get_data(as_text=True).replace(f'value="{name}"', "NAME")
        answers.append((response.status_code, re.sub(r'(content|value)="[\w.-]{40,}"', "TOKEN",
                                                     html)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
    assert "do not match an active account" in answers[0][1]
    assert client.get("/admin/queue").status_code == 302


def test_login_is_throttled(make_app):
    app = make_app(rate_limit_login="3 per minute")
    with app.app_context():
        from discuss.services import accounts

        accounts.create_user("mod", PASSWORD, "admin")
    client = app.test_client()
    token = form_csrf(client.get("/admin/login").get_data(as_text=True))
    codes = [client.post("/admin/login", data={"name": "mod", "password": "guess-" + str(n),
                                               "csrf_token": token}).status_code
             for n in range(4)]
    assert codes == [401, 401, 401, 429]
    right = client.post("/admin/login", data={"name": "mod", "password": PASSWORD,
                                              "csrf_token": token})
    assert right.status_code == 429, "the throttle holds even for the right password"


def test_login_form_needs_csrf(app, make_user, site):
    make_user("mod")
    client = app.test_client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={"name": "mod", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/queue").status_code == 302


def test_sign_out_and_deactivation_end_sessions(app, make_user, site, signed_in):
    client, token = signed_in("mod")
    assert client.post("/admin/logout").status_code == 400  # no CSRF token
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/queue").status_code == 302

    other, _ = signed_in("olena")
    with app.app_context():
        from discuss.services import accounts, actors

        user = db.session.execute(db.select(User).where(User.name == "olena")).scalar_one()
        accounts.update_user(actors.SYSTEM, user.id, active=False)
    assert other.get("/admin/queue").status_code == 302
    assert other.get("/api/v1/moderation/me").status_code == 401
    fresh = app.test_client()
    token = form_csrf(fresh.get("/admin/login").get_data(as_text=True))
    assert fresh.post("/admin/login", data={"name": "olena", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 401


def test_password_change_signs_out_other_sessions(app, site, signed_in):
    client, _ = signed_in("mod")
    with app.app_context():
        from discuss.services import accounts, actors

        user = db.session.execute(db.select(User).where(User.name == "mod")).scalar_one()
        accounts.update_user(actors.SYSTEM, user.id, password="another long password")
    assert client.get("/admin/queue").status_code == 302
    sign_in(app.test_client(), "mod", "another long password")


NEW_PASSWORD = "a brand new passphrase"


def _change_password(client, current, new, repeat=None, ip=None):
    token = form_csrf(client.get("/admin/account").get_data(as_text=True))
    return client.post("/admin/account", data={
        "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip} if ip else {})


def test_a_moderator_changes_their_own_password(app, site, signed_in):
    client, _ = signed_in("mod")
    elsewhere = app.test_client()
    sign_in(elsewhere, "mod")
    page = client.get("/admin/queue").get_data(as_text=True)
    assert 'href="/admin/account"' in page  # reached from every page, by the user's name
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Password changed" in shown
    assert client.get("/admin/queue").status_code == 200  # this session carries on
    assert elsewhere.get("/admin/queue").status_code == 302  # the other one is signed out
    sign_in(app.test_client(), "mod", NEW_PASSWORD)
    fresh = app.test_client()
    token = form_csrf(fresh.get("/admin/login").get_data(as_text=True))
    assert fresh.post("/admin/login", data={"name": "mod", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 401
    admin, _ = signed_in("chief", "admin")
    assert "mod: own password changed" in admin.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("current, new, repeat, field, message", [
    ("not my password", NEW_PASSWORD, None, "current_password",
     "That is not your current password."),
    (PASSWORD, "short", None, "new_password", "Use 10 to"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "repeat_password",
     "The two new passwords differ."),
    (PASSWORD, PASSWORD, None, "new_password", "Choose a password other than the current one."),
])
def test_a_refused_password_change_says_why_beside_the_field(app, site, signed_in, current, new,
                                                             repeat, field, message):
    client, _ = signed_in("mod")
    response = _change_password(client, current, new, repeat)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    block = html[html.index(f'name="{field}"'):]
    assert message in block[:block.index("</div>")]  # beside the field it concerns
    assert client.get("/admin/queue").status_code == 200  # still signed in
    sign_in(app.test_client(), "mod", PASSWORD)  # the old password still works
    admin, _ = signed_in("chief", "admin")
    audit = admin.get("/admin/audit").get_data(as_text=True)
    guessed = field == "current_password"
    assert ("mod: wrong current password" in audit) == guessed  # a guess is on record
    assert ("password-refused" in audit) == guessed
    assert "own password changed" not in audit


def test_the_password_change_needs_csrf_and_a_signed_in_user(app, site, signed_in):
    client, _ = signed_in("mod")
    response = client.post("/admin/account", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert app.test_client().get("/admin/account").status_code == 302
    sign_in(app.test_client(), "mod", PASSWORD)


@pytest.mark.parametrize("many_addresses", [False, True])
def test_guessing_the_current_password_is_throttled_per_address_and_per_account(
        make_app, many_addresses):
    app = make_app(rate_limit_login="3 per minute")
    with app.app_context():
        from discuss.services import accounts

        accounts.create_user("mod", PASSWORD, "admin")
    client = app.test_client()
    sign_in(client, "mod")
    codes = [_change_password(client, f"guess {n} of many", NEW_PASSWORD,
                              ip=f"198.51.100.{n + 1}" if many_addresses else None).status_code
             for n in range(4)]
    assert codes == [422, 422, 422, 429]
