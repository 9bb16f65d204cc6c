"""The demo paper, the no-JS page, counts, origins, hostile input and accessibility, in Chromium."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from discuss.extensions import db
from discuss.models import Comment
from discuss.services.demo import DEMO_THREAD, seed_demo
from tests.browser.widget_browser import HostPage, browser_page, require_chromium

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def demo(app, live_server) -> str:
    """The demo paper, seeded, served by the live server.

    The demo's timing check holds forms sent within 3 s of loading; a browser driven by a
    test is faster than any reader, so these tests run the demo's other checks only.
    """
    with app.app_context():
        site = seed_demo([live_server.url])
        site.spam_checks = [c for c in site.spam_checks if c["name"] != "timing"]
        db.session.commit()
    return live_server.url


@pytest.fixture
def host() -> Iterator[HostPage]:
    host = HostPage()
    yield host
    host.stop()


def open_page(**options: Any):
    require_chromium()
    return browser_page(**options)


def api_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/api/v1/" in request.url
            else None)
    return seen


def test_demo_article_renders_the_thread_with_one_request_each(demo):
    with open_page() as page:
        seen = api_requests(page)
        page.goto(f"{demo}/demo")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The night ferry returns to the harbour after eleven years")
        expect(page.get_by_role("heading", name="Leave a comment")).to_be_visible()
        expect(page.get_by_role("heading", name="6 comments")).to_be_visible()
        expect(page.locator("article.c")).to_have_count(6)
        nested = "li:has(> article:has-text('Does anyone know if bikes')) > ol.replies article"
        expect(page.locator(nested).first).to_contain_text("Bikes are allowed")
        when = page.locator("#discuss time").first
        expect(when).to_have_text("5 hours ago")
        expect(when).to_have_attribute("title", re.compile(r"\b20\d\d\b"))  # the full date
        assert sum("/api/v1/config?" in url for url in seen) == 1
        assert sum("/api/v1/comments?" in url for url in seen) == 1
        assert page.errors == []


def test_count_script_fills_the_front_page_with_one_request(demo):
    with open_page() as page:
        seen = api_requests(page)
        page.goto(f"{demo}/demo/news")
        expect(page.locator(f'[data-discuss-count="{DEMO_THREAD}"]')).to_have_text("6 comments")
        expect(page.locator('[data-discuss-count="2026/11/market-hall-roof"]')).to_have_text(
            "0 comments")
        assert [url for url in seen if "/api/v1/counts?" in url] == [seen[0]]
        assert len(seen) == 1


def test_no_js_page_posts_and_shows_errors_with_javascript_off(demo):
    with open_page(java_script_enabled=False) as page:
        page.goto(f"{demo}/demo")
        frame = page.frame_locator("iframe.nojs")
        expect(frame.get_by_role("heading", name="6 comments")).to_be_visible()
        page.get_by_role("link", name="Read and post comments without JavaScript").click()
        expect(page.get_by_role("heading", name="6 comments")).to_be_visible()

        page.get_by_label("Name", exact=True).fill("No Script")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#f-body-e")).to_have_text("Must not be empty.")
        expect(page.get_by_label("Name", exact=True)).to_have_value("No Script")

        page.get_by_label("Your comment").fill("Posted without *any* JavaScript")
        page.get_by_role("button", name="Post comment").click()
        expect(page.get_by_role("status")).to_have_text("Your comment has been published.")
        assert "posted=" in page.url  # redirected after the POST
        expect(page.locator("article.c.new")).to_contain_text("Posted without any JavaScript")

        page.locator("article.c", has_text="Thank you, that settles it.").get_by_role(
            "link", name="Reply").click()
        page.get_by_label("Your comment").fill("A reply without scripts")
        page.get_by_role("button", name="Post reply").click()
        nested = "li:has(> article:has-text('Thank you, that settles')) > ol.replies article"
        expect(page.locator(nested)).to_contain_text("A reply without scripts")


def test_allowed_origin_works_and_a_foreign_one_is_refused(live_server, host, make_site, app):
    make_site("open", origins=(host.origin,))
    make_site("walled", origins=("https://news.example",))
    for slug in ("open", "walled"):
        host.pages[f"/{slug}"] = (
            f'<!doctype html><html lang="en"><head><title>{slug}</title>'
            f'<link rel="icon" href="data:,"></head><body>'
            f'<div id="discuss" data-site="{slug}" data-thread="a"></div>'
            f'<script src="{live_server.url}/embed.js" async></script></body></html>')
    # a host page with a strict policy: the widget needs no inline script, style or eval
    host.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {live_server.url}; connect-src {live_server.url}")
    with open_page() as page:
        page.goto(f"{host.origin}/open")
        expect(page.get_by_role("heading", name="0 comments")).to_be_visible()
        page.get_by_label("Your comment").fill("Styled and working")
        post_button = page.get_by_role("button", name="Post comment")
        expect(post_button).to_have_css("background-color", "rgb(10, 87, 194)")
        post_button.click()
        expect(page.locator("article.c", has_text="Styled and working")).to_be_visible()
        assert page.errors == []
        page.goto(f"{host.origin}/walled")
        expect(page.get_by_role("alert")).to_contain_text("The comments could not be loaded.")
        expect(page.get_by_role("link", name="Read and post comments without JavaScript")) \
            .to_have_attribute("href", f"{live_server.url}/embed/thread?site=walled&thread=a")
        outcome = page.evaluate("""async (base) => {
            try {
                const res = await fetch(base + "/api/v1/comments?site=walled", {method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({site: "walled", thread: "a", body: "sneaky"})});
                return "answered " + res.status;
            } catch (error) { return "refused"; }
        }""", live_server.url)
        assert outcome == "refused"
    with app.app_context():
        bodies = db.session.execute(db.select(Comment.body_source)).scalars().all()
        assert bodies == ["Styled and working"]  # nothing from the refused origin


HOSTILE = [
    '<script>window.__pwned = "script"</script>',
    '<img src=x onerror="window.__pwned = \'img\'">',
    '[click](javascript:window.__pwned="link")',
    '<svg onload="window.__pwned=\'svg\'"></svg>',
    '<a href="javascript:alert(1)">a</a> <iframe src="javascript:alert(2)"></iframe>',
    '"><style>body{display:none}</style><b style="position:fixed">styled</b>',
    '<details open ontoggle="alert(3)">x</details> ``<img src=x onerror=alert(4)>``',
]


def test_hostile_comments_render_inert(demo, post_comment, app):
    for n, body in enumerate(HOSTILE):
        response = post_comment(body, site="demo", thread=DEMO_THREAD, ip=f"198.51.100.{n + 1}",
                                author_name='<img src=x onerror="window.__pwned=\'name\'">')
        assert response.status_code == 201, response.get_json()
    for path in ("/demo", f"/embed/thread?site=demo&thread={DEMO_THREAD}"):
        with open_page() as page:
            page.goto(demo + path)
            expect(page.locator("article.c")).to_have_count(6 + len(HOSTILE))
            for link in page.locator("article.c .body a").all():
                link.hover()
            assert page.evaluate("window.__pwned") is None, path
            assert page.dialogs == [], path
            assert page.locator("article.c script, article.c img, article.c style, "
                                "article.c iframe, article.c svg:not(.av)").count() == 0
            expect(page.locator("body")).to_be_visible()
            expect(page.locator("article.c b[style]")).to_have_count(0)


def serious(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v.get("impact") in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_has_no_serious_violations(demo, scheme):
    axe = Axe()
    with open_page(color_scheme=scheme) as page:
        page.goto(f"{demo}/demo")
        expect(page.locator("article.c")).to_have_count(6)
        page.locator("article.c").first.get_by_role("button", name="Reply").click()
        page.locator("article.c").nth(1).get_by_role("button", name="Report").click()
        widget = axe.run(page).response["violations"]
        assert serious(widget) == []
        # the check reaches inside the widget's shadow root: an unlabelled field is caught
        page.evaluate("document.querySelector('#discuss').shadowRoot"
                      ".querySelector('textarea').id = 'unlabelled'")
        assert any("label" in found for found in serious(axe.run(page).response["violations"]))
        page.goto(f"{demo}/embed/thread?site=demo&thread={DEMO_THREAD}")
        no_js = axe.run(page).response["violations"]
        assert serious(no_js) == []


SHOTS = [("light", 1200, 900, True), ("dark", 1200, 900, True),
         ("light", 390, 844, False), ("dark", 390, 844, False)]


def test_screenshots_of_the_demo_page(demo, tmp_path):
    """The README's pictures; DISCUSS_UPDATE_SCREENSHOTS=1 writes them to docs/."""
    for scheme, width, height, desktop in SHOTS:
        options = {"color_scheme": scheme, "viewport": {"width": width, "height": height}}
        if not desktop:
            options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
        with open_page(**options) as page:
            page.goto(f"{demo}/demo")
            expect(page.locator("article.c")).to_have_count(6)
            name = f"widget-{'desktop' if desktop else 'phone'}-{scheme}.png"
            if desktop:
                page.screenshot(path=tmp_path / name, full_page=True)
            else:
                box = page.locator("#comments").bounding_box()
                page.screenshot(path=tmp_path / name, full_page=True, clip={
                    "x": 0, "y": box["y"] - 16, "width": width, "height": box["height"] + 32})
            data = (tmp_path / name).read_bytes()
            assert data.startswith(b"\x89PNG") and len(data) > 20_000
    if os.environ.get("DISCUSS_UPDATE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        for shot in tmp_path.glob("widget-*.png"):
            shutil.copy(shot, DOCS / shot.name)
