"""The admin in real headless Chromium: sign in, decide, bulk, ban, CSRF; README screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from discuss.extensions import db
from discuss.models import Comment
from discuss.services import accounts
from tests.browser.widget_browser import require_chromium, shared_browser

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "correct horse battery staple"
LINKS = {"check": "links", "verdict": "unsure", "score": 0.6, "reason": "3 links, limit 2",
         "trial": False}


@pytest.fixture(scope="module")
def chromium() -> object:
    """The suite's one headless Chromium (the system's build, never a download)."""
    require_chromium()
    return shared_browser()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url,
                                   viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def moderator(app, make_site):
    make_site(moderation="pre", name="The Harbour Courier")
    with app.app_context():
        accounts.create_user("marta", PASSWORD, "moderator", ["news"])
    return "marta"


def sign_in(page, name: str) -> None:
    page.goto("/admin/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/queue"))


def post(page, body: str, expect: int = 202, **fields) -> dict:
    """Post a comment through the public API, as the widget would."""
    thread = fields.pop("thread", "ferry")
    token = page.request.get(f"/api/v1/config?site=news&thread={thread}").json()["form_token"]
    payload = {"site": "news", "thread": thread, "body": body, "form_token": token,
               "thread_title": "The night ferry returns after eleven years",
               "thread_url": "https://news.example/2026/ferry"} | fields
    response = page.request.post("/api/v1/comments", data=payload)
    assert response.status == expect, response.text()
    return response.json()


def store_checks(app, comment_id: int, records: list[dict]) -> None:
    with app.app_context():
        db.session.get(Comment, comment_id).checks = records
        db.session.commit()


def status_of(app, comment_id: int) -> str:
    with app.app_context():
        return db.session.get(Comment, comment_id).status.value


def readme_screenshot(page, name: str) -> None:
    """README pictures: taken every run; written to docs/ with DISCUSS_UPDATE_SCREENSHOTS=1."""
    picture = page.screenshot(full_page=True)
    assert picture.startswith(b"\x89PNG")
    if os.environ.get("DISCUSS_UPDATE_SCREENSHOTS"):
        (DOCS / name).write_bytes(picture)


def row(page, comment_id: int):
    return page.locator(f"#c{comment_id}")


def test_held_comment_is_approved_and_published(app, page, moderator):
    parent = post(page, "Finally! Are bikes allowed on board?", author_name="Marta K.")
    linky = post(page, "Timetable [here](https://a.example), [here](https://b.example) and "
                       "[here](https://c.example).", author_name="Tomás",
                 author_email="tomas@example.org")
    store_checks(app, linky["comment"]["id"], [LINKS])
    post(page, "Great news for night-shift workers.", author_name="Olena",
         author_email="olena@example.org")
    sign_in(page, moderator)
    approve = page.request.post(f"/admin/comments/{parent['comment']['id']}/act")
    assert approve.status == 400, "no CSRF token, no decision"

    item = row(page, linky["comment"]["id"])
    assert "3 links, limit 2" in item.inner_text()
    assert "tomas@example.org" in item.inner_text()
    assert "The night ferry returns" in item.inner_text()
    readme_screenshot(page, "admin-queue.png")

    item.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/admin/queue"))
    assert f"Comment {linky['comment']['id']} approved." in page.locator(".flashes").inner_text()
    assert page.locator(f"#c{linky['comment']['id']}").count() == 0

    public = page.request.get("/api/v1/comments?site=news&thread=ferry").json()
    assert [c["id"] for c in public["comments"]] == [linky["comment"]["id"]]
    assert "Timetable" in public["comments"][0]["html"]
    assert public["thread"]["comment_count"] == 1

    row(page, parent["comment"]["id"]).get_by_role("link", name="Details").click()
    page.get_by_label("Note for the audit log (optional)").fill("Fair question")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/admin/comments/\d+"))
    assert "Fair question" in page.locator("#history ~ ol, section:has(#history)").first \
        .inner_text()
    reply = post(page, "Bikes go free after 22:00, says the timetable.", author_name="Tomás",
                 author_email="tomas@example.org", parent_id=parent["comment"]["id"])
    store_checks(app, reply["comment"]["id"], [LINKS, {
        "check": "akismet", "verdict": "ham", "score": 0.02, "reason": "Akismet: ham",
        "trial": True}])
    page.goto(f"/admin/comments/{reply['comment']['id']}")
    assert "In reply to" in page.inner_text("main")
    assert "Other comments by tomas@example.org" in page.inner_text("main")
    page.get_by_label("Note for the audit log (optional)").fill("Checked the timetable links")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/admin/comments/\d+"))
    assert "Checked the timetable links" in page.inner_text("main")
    readme_screenshot(page, "admin-comment.png")


def test_bulk_spam_three_comments_and_keyboard(app, page, moderator):
    ids = [post(page, f"Cheap pills number {n} at https://pills.example",
                author_name=f"bot{n}")["comment"]["id"] for n in range(3)]
    keep = post(page, "A real comment.", author_name="Reader")["comment"]["id"]
    sign_in(page, moderator)
    for comment_id in ids:
        page.get_by_label(re.compile(f"Select comment {comment_id} ")).check()
    page.get_by_label("With selected").select_option("spam")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"/admin/queue"))
    assert "3 comments marked as spam." in page.locator(".flashes").inner_text()
    assert [status_of(app, i) for i in ids] == ["spam", "spam", "spam"]
    assert re.search(r"Spam\s*3", page.locator(".tabs").inner_text())

    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert f"Comment {keep} approved." in page.locator(".flashes").inner_text()
    assert status_of(app, keep) == "approved"

    page.get_by_role("link", name=re.compile(r"^Spam")).click()
    page.get_by_label("Select all").check()
    assert page.locator('input[name="ids"]:checked').count() == 3


def test_ban_an_email_and_the_next_comment_is_refused(app, page, moderator):
    troll = post(page, "You are all idiots.", author_name="Troll",
                 author_email="troll@example.org")
    sign_in(page, moderator)
    page.goto(f"/admin/comments/{troll['comment']['id']}")
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name=re.compile("Ban email")).click()
    assert "Banned email troll@example.org until" in page.locator(".flashes").inner_text()

    post(page, "Still here.", expect=403, author_email="troll@example.org")
    post(page, "I am someone else.", author_email="kind@example.org")
    page.goto("/admin/bans")
    assert "troll@example.org" in page.inner_text("main")


def test_csrf_less_posts_are_refused(app, page, moderator):
    held = post(page, "Waiting.")["comment"]["id"]
    sign_in(page, moderator)
    form_post = page.request.post(f"/admin/comments/{held}/act", form={"action": "approve"})
    assert form_post.status == 400
    api_post = page.request.post(f"/api/v1/moderation/comments/{held}",
                                 data={"action": "approve"})
    assert api_post.status == 400
    assert "CSRF" in api_post.json()["detail"]
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with_token = page.request.post(f"/api/v1/moderation/comments/{held}",
                                   data={"action": "approve"}, headers={"X-CSRFToken": token})
    assert with_token.status == 200
    assert status_of(app, held) == "approved"
