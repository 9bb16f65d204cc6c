"""The widget in headless Chromium, embedded in a news page on another (allowed) origin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any

import pytest
from playwright.sync_api import expect

from discuss.extensions import db
from discuss.models import Comment, Thread
from tests.browser.widget_browser import HostPage, browser_page, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def page() -> Iterator[Any]:
    require_chromium()
    with browser_page() as page:
        yield page


@pytest.fixture(scope="module")
def host() -> Iterator[HostPage]:
    host = HostPage()
    yield host
    host.stop()


@pytest.fixture
def embed(host: HostPage, live_server, make_site):
    """Serve an article embedding the widget on the host origin; returns its URL."""

    def make(site: str = "news", thread: str = "article-1", create: bool = True,
             page_lang: str = "en", **data: Any) -> str:
        if create:
            options = {k: data.pop(k) for k in list(data) if k in SITE_COLUMNS}
            make_site(site, origins=(host.origin,), **options)
        attrs = "".join(f' data-{k}="{escape(str(v))}"' for k, v in data.items())
        host.pages[f"/{site}/{thread}"] = (
            f'<!doctype html><html lang="{page_lang}"><head><title>An article</title>'
            f'<link rel="icon" href="data:,"></head><body>'
            f"<h1>An article</h1><p>Words.</p>"
            f'<div id="discuss" data-site="{site}" data-thread="{thread}"{attrs}></div>'
            f'<script src="{live_server.url}/embed.js" async></script></body></html>'
        )
        return f"{host.origin}/{site}/{thread}"

    return make


SITE_COLUMNS = {"moderation", "edit_window_seconds", "max_depth", "require_email",
                "privacy_url", "language"}


def comment(page, text: str):
    return page.locator("article.c", has_text=text)


def post(page, body: str, name: str = "Alice", **fields: str) -> None:
    form = page.locator("form.form").first
    form.get_by_label("Your comment").fill(body)
    form.get_by_label("Name", exact=True).fill(name)
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Post comment").click()


def test_post_a_comment_and_a_reply_and_see_them_nested(page, embed):
    page.goto(embed())
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    post(page, "First, with **bold**")
    first = comment(page, "First, with bold")
    expect(first).to_be_focused()
    expect(first.locator("strong")).to_have_text("bold")
    expect(page.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()

    first.get_by_role("button", name="Reply").click()
    reply_form = page.locator("form.form", has_text="Reply to Alice")
    expect(reply_form.get_by_label("Your comment")).to_be_focused()
    reply_form.get_by_label("Your comment").fill("A reply to the first")
    reply_form.get_by_label("Name", exact=True).fill("Bob")
    reply_form.get_by_role("button", name="Post reply").click()
    nested = "li:has(> article:has-text('First, with')) > ol.replies > li > article"
    expect(page.locator(nested)).to_contain_text("A reply to the first")
    expect(page.get_by_role("status").filter(has_text="published")).to_be_attached()

    page.reload()
    expect(page.locator(nested)).to_contain_text("A reply to the first")
    expect(page.get_by_role("heading", name="2 comments")).to_be_visible()
    assert page.errors == []


def test_a_held_comment_shows_the_notice(page, embed):
    page.goto(embed(moderation="pre"))
    post(page, "Please approve me")
    held = comment(page, "Please approve me")
    expect(held).to_contain_text("held for moderation")
    expect(held).to_contain_text("Awaiting moderation")
    expect(held.get_by_role("button", name="Like")).to_have_count(0)
    expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
    page.reload()
    expect(page.get_by_text("No comments yet")).to_be_visible()


def test_validation_errors_appear_beside_the_fields(page, embed):
    page.goto(embed())
    form = page.locator("form.form").first
    expect(form.get_by_label("Name", exact=True)).to_be_hidden()  # opens once the reader starts
    form.get_by_role("button", name="Post comment").click()
    body_field = form.locator(".fld", has=page.get_by_label("Your comment"))
    expect(body_field.locator(".err")).to_have_text("Please write something first.")
    expect(form.get_by_label("Your comment")).to_be_focused()

    post(page, "Reachable?", **{"Email (optional)": "not-an-email"})
    email_field = form.locator(".fld", has=page.get_by_label("Email (optional)"))
    expect(email_field.locator(".err")).to_have_text("Not a valid email address.")
    expect(form.get_by_label("Email (optional)")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    expect(body_field.locator(".err")).to_be_hidden()
    expect(page.locator("article.c")).to_have_count(0)


def test_vote_like_dislike_and_take_back(page, embed, post_comment):
    url = embed()
    post_comment("Vote on me", ip="192.0.2.50")
    page.goto(url)
    target = comment(page, "Vote on me")
    like = target.get_by_role("button", name=re.compile("^Like"))
    dislike = target.get_by_role("button", name=re.compile("^Dislike"))
    like.click()
    expect(like).to_have_text("Like 1")
    expect(like).to_have_attribute("aria-pressed", "true")
    dislike.click()
    expect(dislike).to_have_text("Dislike 1")
    expect(like).to_have_text("Like 0")
    dislike.click()
    expect(dislike).to_have_text("Dislike 0")
    expect(dislike).to_have_attribute("aria-pressed", "false")


def test_load_more_by_cursor(page, embed, post_comment):
    url = embed(limit=2)
    for n in range(5):
        post_comment(f"Comment {n}", ip=f"192.0.2.{n + 1}")
    page.goto(url)
    expect(page.locator("article.c")).to_have_count(2)
    more = page.get_by_role("button", name="Load more comments")
    more.click()
    expect(page.locator("article.c")).to_have_count(4)
    expect(comment(page, "Comment 2")).to_be_focused()
    more.click()
    expect(page.locator("article.c")).to_have_count(5)
    expect(more).to_be_hidden()


def test_sort_switch(page, embed, post_comment, app):
    url = embed()
    for text in ("Oldest words", "Middle words", "Newest words"):
        post_comment(text)
    with app.app_context():
        db.session.execute(db.update(Comment).where(Comment.body_source == "Middle words")
                           .values(likes=5))
        db.session.commit()
    page.goto(url)
    first = page.locator("ol.list > li > article").first
    expect(first).to_contain_text("Oldest words")
    page.get_by_label("Sort by").select_option("newest")
    expect(first).to_contain_text("Newest words")
    page.get_by_label("Sort by").select_option("top")
    expect(first).to_contain_text("Middle words")


def test_edit_and_delete_within_the_window(page, embed):
    page.goto(embed())
    post(page, "Speling mistake")
    mine = comment(page, "Speling mistake")
    expect(mine).to_contain_text(re.compile(r"You can edit or delete this comment for 1[45]:\d\d"))
    page.reload()  # the edit token survives in localStorage
    mine = comment(page, "Speling mistake")
    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_label("Your comment")
    expect(editor).to_have_value("Speling mistake")
    editor.fill("Spelling, *fixed*")
    mine.get_by_role("button", name="Save changes").click()
    fixed = comment(page, "Spelling, fixed")
    expect(fixed.locator("em")).to_have_text("fixed")
    expect(fixed).to_contain_text("edited")

    fixed.get_by_role("button", name="Delete").click()
    expect(fixed).to_contain_text("Delete this comment for good?")
    fixed.get_by_role("button", name="Keep it").click()
    fixed.get_by_role("button", name="Delete").click()
    fixed.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("article.c")).to_have_count(0)
    expect(page.get_by_role("heading", name="0 comments")).to_be_focused()


def test_edit_controls_leave_when_the_window_closes(page, embed):
    page.goto(embed(edit_window_seconds=2))
    post(page, "Quick thought")
    mine = comment(page, "Quick thought")
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0, timeout=6000)
    expect(mine).not_to_contain_text("You can edit")
    expect(mine.get_by_role("button", name=re.compile("^Like"))).to_be_visible()


def test_report_a_comment(page, embed, post_comment, app):
    url = embed()
    post_comment("Buy cheap watches", ip="192.0.2.77")
    page.goto(url)
    target = comment(page, "Buy cheap watches")
    target.get_by_role("button", name="Report").click()
    target.get_by_label("Spam or advertising").check()
    target.get_by_label("Note for the moderators (optional)").fill("Advert")
    target.get_by_role("button", name="Send report").click()
    expect(target.get_by_text("The moderators will take a look.")).to_be_focused()
    expect(target.get_by_role("button", name="Report")).to_be_disabled()
    with app.app_context():
        assert db.session.execute(db.select(Comment.flag_count)).scalar_one() == 1


def test_preview_and_remembered_details_need_consent(page, embed):
    url = embed(privacy_url="https://news.example/privacy")
    page.goto(url)
    form = page.locator("form.form").first
    form.get_by_label("Your comment").fill("Some **strong** words")
    form.get_by_label("Show preview").check()
    expect(form.locator(".pv strong")).to_have_text("strong")
    expect(form.get_by_role("link", name="Privacy notice")).to_have_attribute(
        "href", "https://news.example/privacy")
    form.get_by_label("Name", exact=True).fill("Forgotten")
    form.get_by_role("button", name="Post comment").click()
    expect(comment(page, "Some strong words")).to_be_visible()
    page.reload()
    expect(form.get_by_label("Name", exact=True)).to_have_value("")

    form.get_by_label("Your comment").fill("Now remember me")
    form.get_by_label(re.compile("^Save my name")).check()
    form.get_by_label("Name", exact=True).fill("Remembered")
    form.get_by_role("button", name="Post comment").click()
    expect(comment(page, "Now remember me")).to_be_visible()
    page.reload()
    name = page.locator("form.form").first.get_by_label("Name", exact=True)
    expect(name).to_have_value("Remembered")


def test_keyboard_reply_and_escape(page, embed, post_comment):
    url = embed()
    post_comment("Keyboard user here")
    page.goto(url)
    reply = comment(page, "Keyboard user here").get_by_role("button", name="Reply")
    reply.focus()
    page.keyboard.press("Enter")
    expect(page.locator("form.form", has_text="Reply to Reader").get_by_label(
        "Your comment")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("form.form", has_text="Reply to Reader")).to_have_count(0)
    expect(reply).to_be_focused()
    expect(reply).to_have_attribute("aria-expanded", "false")


def test_language_from_data_lang_or_the_page(page, embed, post_comment):
    url = embed(page_lang="de-AT")
    post_comment("Hallo")
    page.goto(url)
    expect(page.get_by_role("heading", name="1 Kommentar")).to_be_visible()
    expect(page.get_by_label("Ihr Kommentar")).to_be_visible()
    page.goto(embed(create=False, lang="uk"))
    expect(page.get_by_role("heading", name="1 коментар")).to_be_visible()
    expect(page.get_by_role("button", name="Надіслати коментар")).to_be_visible()


def test_a_locked_thread_offers_no_forms(page, embed, post_comment, app):
    url = embed()
    post_comment("Said before the lock")
    with app.app_context():
        db.session.execute(db.update(Thread).values(locked=True))
        db.session.commit()
    page.goto(url)
    expect(page.get_by_text("Comments are closed for this article.")).to_be_visible()
    expect(comment(page, "Said before the lock")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    expect(page.get_by_role("button", name="Reply")).to_have_count(0)
