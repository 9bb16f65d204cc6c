"""The admin pages through the test client: what a moderator reads and clicks, without JS."""

from __future__ import annotations

import re

import pytest

from tests.moderation.moderation_helpers import LINKS_VERDICT, form_csrf


@pytest.fixture
def moderator(make_site, signed_in):
    make_site(moderation="pre")
    client, token = signed_in("mod", sites=("news",))
    return client, token


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_every_page_needs_sign_in(client, site):
    for path in ("/admin/", "/admin/queue", "/admin/comments/1", "/admin/bans", "/admin/threads",
                 "/admin/sites", "/admin/sites/news", "/admin/audit", "/admin/keys",
                 "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login?next=")


def test_queue_shows_the_reason_context_and_author(moderator, held, set_checks):
    client, _ = moderator
    comment_id = held("Buy [a](https://a.example) [b](https://b.example) [c](https://c.example)",
                      author_name="Spammy", author_email="spam@example.org", ip="203.0.113.5",
                      thread_title="Ferry returns", thread_url="https://news.example/ferry")
    set_checks(comment_id, [LINKS_VERDICT,
                            {"check": "akismet", "verdict": "ham", "score": 0.1,
                             "reason": "Akismet: ham", "trial": True}])
    html = page(client, "/admin/queue?site=news")
    assert "3 links, limit 2" in html
    assert "Akismet: ham" in html and "trial, not acting" in html
    assert "Ferry returns" in html and 'href="https://news.example/ferry"' in html
    assert "spam@example.org" in html and "203.0.113.5" in html and "Spammy" in html
    assert re.search(r'Pending <span class="count">1</span>', html)
    assert 'value="approve"' in html and 'value="spam"' in html
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    assert client.get("/admin/queue").headers["Cache-Control"] == "no-store"


def test_pre_moderation_reason_and_parent_in_context(moderator, held, make_key, client):
    mod, token = moderator
    parent = held("Original point.", author_name="Olena")
    mod.post(f"/api/v1/moderation/comments/{parent}", json={"action": "approve"},
             headers={"X-CSRFToken": token})
    held("I disagree.", parent_id=parent)
    html = page(mod, "/admin/queue")
    assert "pre-moderation" in html
    assert "In reply to" in html and "Olena" in html and "Original point." in html


def test_one_click_actions_and_bulk(moderator, held, status_of):
    client, token = moderator
    a, b, c, d = (held(f"comment {n}") for n in range(4))
    html = page(client, "/admin/queue")
    response = client.post(f"/admin/comments/{a}/act",
                           data={"action": "approve", "csrf_token": token,
                                 "next": "/admin/queue?status=pending"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/queue?status=pending"
    assert status_of(a) == "approved"
    assert f"Comment {a} approved." in page(client, "/admin/queue")

    client.post("/admin/comments/bulk", data={"ids": [str(b), str(c), str(a)],
                                              "bulk_action": "spam", "csrf_token": token})
    assert (status_of(b), status_of(c), status_of(a)) == ("spam", "spam", "spam")
    assert "3 comments marked as spam." in page(client, "/admin/queue")

    client.post("/admin/comments/bulk", data={"ids": [str(d)], "bulk_action": "",
                                              "csrf_token": token})
    assert "Choose what to do" in page(client, "/admin/queue")
    client.post("/admin/comments/bulk", data={"bulk_action": "spam", "csrf_token": token})
    assert "Select some comments first." in page(client, "/admin/queue")
    client.post(f"/admin/comments/{b}/act", data={"action": "spam", "csrf_token": token})
    assert "it is spam" in page(client, "/admin/queue")
    assert html  # the page rendered before any action


def test_posts_without_csrf_token_are_refused(moderator, held, status_of):
    client, _ = moderator
    comment_id = held()
    for path, data in ((f"/admin/comments/{comment_id}/act", {"action": "approve"}),
                       ("/admin/comments/bulk", {"ids": [str(comment_id)], "bulk_action": "spam"}),
                       ("/admin/bans", {"site": "news", "kind": "ip", "value": "192.0.2.9"}),
                       ("/admin/threads/lock", {"site": "news", "thread": "article-1",
                                                "locked": "1"})):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "CSRF" in response.get_data(as_text=True)
    assert status_of(comment_id) == "pending"


def test_detail_page_history_and_other_comments(moderator, held):
    client, token = moderator
    first = held("First visit.", author_email="reader@example.org", ip="198.51.100.4")
    second = held("Second visit.", author_email="reader@example.org", ip="198.51.100.4")
    client.post(f"/admin/comments/{first}/act", data={"action": "reject", "csrf_token": token,
                                                      "note": "off topic"})
    html = page(client, f"/admin/comments/{first}")
    assert "off topic" in html and "reject" in html
    assert "Second visit." in html and f"/admin/comments/{second}" in html
    assert "1 other comment from this IP" in html
    assert "Ban email" in html and "Ban IP" in html


def test_ban_author_from_detail_page(moderator, held, post_comment):
    client, token = moderator
    comment_id = held("Hello.", author_email="troll@example.org")
    response = client.post(f"/admin/comments/{comment_id}/ban",
                           data={"kind": "email", "days": "7", "csrf_token": token,
                                 "next": f"/admin/comments/{comment_id}"})
    assert response.headers["Location"] == f"/admin/comments/{comment_id}"
    assert "Banned email troll@example.org until" in page(client, f"/admin/comments/{comment_id}")
    assert post_comment("Again.", author_email="troll@example.org").status_code == 403
    html = page(client, "/admin/bans")
    assert "troll@example.org" in html and "author of comment" in html


def test_bans_page_form_errors_beside_fields(moderator):
    client, token = moderator
    response = client.post("/admin/bans", data={"site": "news", "kind": "ip",
                                                "value": "not-an-ip", "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'aria-invalid="true"[^>]*name="value"|name="value"[^>]*aria-invalid', html)
    assert "Use an IP address or a network" in html
    ok = client.post("/admin/bans", data={"site": "news", "kind": "ip", "value": "192.0.2.0/28",
                                          "days": "", "csrf_token": token})
    assert ok.status_code == 302
    html = page(client, "/admin/bans")
    assert "192.0.2.0/28" in html
    ban_id = re.search(r'/admin/bans/(\d+)/lift', html).group(1)
    client.post(f"/admin/bans/{ban_id}/lift", data={"csrf_token": token})
    assert "Ban lifted." in page(client, "/admin/bans")


def test_threads_page_locks(moderator, post_comment):
    client, token = moderator
    post_comment("x", thread_title="Budget")
    html = page(client, "/admin/threads?site=news")
    assert "Budget" in html and "open" in html
    client.post("/admin/threads/lock", data={"site": "news", "thread": "article-1",
                                             "locked": "1", "csrf_token": token})
    assert "locked" in page(client, "/admin/threads?site=news")
    assert post_comment("y").status_code == 403


def test_moderators_read_settings_admins_change_them(make_site, signed_in, client):
    make_site()
    moderator, token = signed_in("mod", sites=("news",))
    html = page(moderator, "/admin/sites/news")
    assert "Only an administrator" in html and "<fieldset disabled>" in html
    refused = moderator.post("/admin/sites/news", data={"csrf_token": token, "name": "x",
                                                        "moderation": "pre", "max_depth": "3",
                                                        "edit_window_seconds": "60",
                                                        "max_links": "1", "flag_threshold": "3",
                                                        "language": "en"})
    assert refused.status_code == 403
    assert moderator.get("/admin/keys").status_code == 403
    assert moderator.get("/admin/users").status_code == 403

    admin, token = signed_in("boss", role="admin")
    form = {"csrf_token": token, "name": "The News", "moderation": "pre", "max_depth": "3",
            "edit_window_seconds": "60", "max_links": "1", "auto_close_days": "",
            "flag_threshold": "4", "language": "en", "privacy_url": "",
            "origins": "https://news.example\nhttps://m.news.example"}
    bad = admin.post("/admin/sites/news", data=form | {"max_links": "-3"})
    assert bad.status_code == 422
    saved = admin.post("/admin/sites/news", data=form)
    assert saved.status_code == 302
    settings = page(admin, "/admin/sites/news")
    assert "Settings of news saved." in settings and "https://m.news.example" in settings
    assert client.get("/api/v1/config?site=news&thread=t").get_json()["max_depth"] == 3


def test_keys_page_shows_the_secret_once(make_site, signed_in):
    make_site()
    admin, token = signed_in("boss", role="admin")
    created = admin.post("/admin/keys", data={"site": "news", "label": "dashboard",
                                              "csrf_token": token})
    secret = re.search(r'<code class="key" id="new-key">([^<]+)</code>',
                       created.get_data(as_text=True)).group(1)
    assert admin.get("/api/v1/moderation/me",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = page(admin, "/admin/keys")
    assert secret not in listing and secret[:12] in listing and "dashboard" in listing
    key_id = re.search(r'/admin/keys/(\d+)/revoke', listing).group(1)
    admin.post(f"/admin/keys/{key_id}/revoke", data={"csrf_token": token})
    assert "revoked" in page(admin, "/admin/keys")


def test_users_page_creates_and_edits(make_site, signed_in, app):
    make_site()
    admin, token = signed_in("boss", role="admin")
    bad = admin.post("/admin/users", data={"name": "newbie", "password": "short",
                                           "role": "moderator", "csrf_token": token})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Use 10 to 1024 characters." in html
    made = admin.post("/admin/users", data={"name": "newbie", "password": "long enough pass",
                                            "role": "moderator", "sites": ["news"],
                                            "csrf_token": token})
    assert made.status_code == 302
    listing = page(admin, "/admin/users")
    assert "newbie" in listing
    user_id = re.search(r'/admin/users/(\d+)">newbie', listing).group(1)
    admin.post(f"/admin/users/{user_id}", data={"role": "moderator", "sites": ["news"],
                                                "csrf_token": token})
    assert "deactivated" in page(admin, "/admin/users")
    own = re.search(r'/admin/users/(\d+)">boss', listing).group(1)
    own_edit = admin.post(f"/admin/users/{own}", data={"role": "admin", "csrf_token": token})
    assert "cannot deactivate your own account" in own_edit.get_data(as_text=True)
    audit = page(admin, "/admin/audit")
    assert "user-create" in audit and "user-update" in audit


def test_audit_page_filters(moderator, held):
    client, token = moderator
    comment_id = held()
    client.post(f"/admin/comments/{comment_id}/act", data={"action": "spam",
                                                           "csrf_token": token, "note": "bot"})
    html = page(client, "/admin/audit?site=news&actor=mod")
    assert f"#{comment_id}" in html and "bot" in html
    assert f"#{comment_id}" not in page(client, "/admin/audit?actor=somebody")
    assert client.get("/admin/audit?site=nowhere").status_code == 404


def test_sign_out_form(moderator):
    client, _ = moderator
    html = page(client, "/admin/queue")
    token = form_csrf(html)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/queue").status_code == 302


def test_admin_pages_refuse_another_sites_moderator(make_site, signed_in, held, status_of):
    make_site(moderation="pre")
    make_site("other", origins=("https://other.example",))
    comment_id = held("On news.", author_email="a@example.org")
    client, token = signed_in("elsewhere", sites=("other",))
    for path in (f"/admin/comments/{comment_id}", "/admin/queue?site=news",
                 "/admin/sites/news", "/admin/threads?site=news", "/admin/audit?site=news"):
        assert client.get(path).status_code == 403, path
    for path, data in ((f"/admin/comments/{comment_id}/act", {"action": "approve"}),
                       (f"/admin/comments/{comment_id}/ban", {"kind": "email"}),
                       ("/admin/threads/lock", {"site": "news", "thread": "article-1",
                                                "locked": "1"}),
                       ("/admin/sites/news", {"name": "x"})):
        response = client.post(path, data=data | {"csrf_token": token})
        assert response.status_code == 403, path
    bulk = client.post("/admin/comments/bulk", data={"ids": [str(comment_id)],
                                                     "bulk_action": "spam",
                                                     "csrf_token": token})
    assert "may not moderate" in client.get(bulk.headers["Location"]).get_data(as_text=True)
    assert status_of(comment_id) == "pending"
    assert "On news." not in client.get("/admin/queue").get_data(as_text=True)
