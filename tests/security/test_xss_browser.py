"""Hostile input in a real browser: every payload of xss_corpus.json is posted through the API
and every page that shows comments is rendered in headless Chromium. No dialog may open, no
injected script may run, no injected style may apply, and nothing may load from elsewhere.

A page is one entry in RENDERERS: a function that opens the thread in the browser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from werkzeug.security import generate_password_hash

from discuss.extensions import db
from discuss.services import accounts
from tests.browser.widget_browser import HostPage

ADMIN, PASSWORD = "xss-admin", "correct horse battery staple"

CORPUS = json.loads((Path(__file__).with_name("xss_corpus.json")).read_text())["entries"]
PER_THREAD = 60  # top-level comments per thread (the widget shows up to 100 at once)
ALLOWED_TAGS = ["P", "BR", "EM", "STRONG", "S", "DEL", "A", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL",
                "LI", "HR"]

# Installed before any page script: records dialogs-to-be and other script entry points.
TRAPS = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name];
  window[name] = function (...args) {
    window.__xss.push(name + "(" + args.join(",") + ")");
    return name === "print" ? undefined : original.apply(window, args);
  };
}
"""

# How a widget shows the API's comments: the stored HTML as markup, the rest as text.
INJECT_LISTING = """
async ([site, thread]) => {
  const response = await fetch(`/api/v1/comments?site=${site}&thread=${thread}&limit=100`);
  const listing = await response.json();
  const root = document.getElementById("comments");
  const draw = (comment, parent) => {
    const item = document.createElement("article");
    const name = document.createElement("b");
    name.textContent = comment.author.name || "";
    const body = document.createElement("div");
    body.className = "comment-body";
    body.innerHTML = comment.html;
    item.append(name, body);
    parent.append(item);
    comment.replies.forEach((reply) => draw(reply, item));
  };
  listing.comments.forEach((comment) => draw(comment, root));
  return listing.comments.length;
}
"""

# Whatever got into the document: handlers, script URLs, foreign tags in comment bodies,
# and any element painted red (every style payload in the corpus paints red).
INSPECT = """
(allowed) => {
  const everything = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      everything.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);  // the widget draws inside an open shadow root
    }
  };
  walk(document);
  const problems = [];
  for (const el of everything) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (attr.name.startsWith("on")) problems.push(`${el.tagName} ${attr.name}`);
      if (/^(javascript|vbscript|data):/.test(value))
        problems.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 60)}`);
    }
    const style = getComputedStyle(el);
    for (const prop of ["color", "background-color", "border-top-color"]) {
      if (style[prop] === "rgb(255, 0, 0)") problems.push(`${el.tagName} ${prop} red`);
    }
    const body = el.parentElement && el.parentElement.closest(".comment-body, .body");
    if (body && !allowed.includes(el.tagName)) problems.push(`tag ${el.tagName} in a comment`);
    if (body && style.position === "fixed") problems.push(`${el.tagName} position fixed`);
  }
  const sentinel = document.getElementById("sentinel");
  if (sentinel && getComputedStyle(sentinel).display === "none") problems.push("sentinel hidden");
  // Provoke handlers that need a user: hover and focus everything once.
  for (const el of everything) {
    for (const type of ["mouseover", "mouseenter", "pointerover", "mouseout", "focus"]) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
  return problems;
}
"""


def render_api_listing(page: Any, ctx: dict) -> Iterator[None]:
    """The public API's HTML, put into a page without any CSP, the way a widget would."""
    base = ctx["server"]
    page.route(f"{base}/__harness", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body='<!doctype html><html><body><p id="sentinel">sentinel</p>'
             '<section id="comments"></section></body></html>'))
    page.goto(f"{base}/__harness")
    drawn = page.evaluate(INJECT_LISTING, [ctx["site"], ctx["thread"]])
    assert drawn == ctx["count"], "the listing did not hold every comment"
    yield


def render_widget(page: Any, ctx: dict) -> Iterator[None]:
    """/embed.js on a news site's article page (another origin, no CSP of ours)."""
    host: HostPage = ctx["host"]
    path = f"/article/{ctx['thread']}"
    host.pages[path] = (
        '<!doctype html><html lang="en"><head><title>Article</title></head>'
        '<body><p id="sentinel">sentinel</p>'
        f'<div id="discuss" data-site="{ctx["site"]}" data-thread="{ctx["thread"]}" '
        f'data-limit="100"></div><script src="{ctx["server"]}/embed.js" async></script>'
        "</body></html>")
    page.goto(f"{host.origin}{path}")
    page.wait_for_function(
        "n => (document.querySelector('#discuss').shadowRoot"
        "      ?.querySelectorAll('.body:not(.pv)').length || 0) >= n", arg=ctx["count"])
    yield


def render_thread_page(page: Any, ctx: dict) -> Iterator[None]:
    """The no-JS thread page, every page of it (it shows 20 comments a page)."""
    page.goto(f"{ctx['server']}/embed/thread?site={ctx['site']}&thread={ctx['thread']}")
    while True:
        yield
        more = page.locator("p.more a[href*='cursor=']")  # the next page, not the first
        if more.count() == 0:
            return
        page.goto(urljoin(page.url, more.first.get_attribute("href")))


def render_admin_queue(page: Any, ctx: dict) -> Iterator[None]:
    """The moderators' queue (every page of it), signed in as an administrator. The queue
    lists the whole site, so it is walked once, on the first thread."""
    if ctx["index"]:
        return
    page.goto(f"{ctx['server']}/admin/login")
    if "/admin/login" in page.url:  # not yet signed in in this browser context
        page.fill("input[name=name]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/queue**")
    page.goto(f"{ctx['server']}/admin/queue?site={ctx['site']}&status=approved&limit=100")
    while True:
        yield
        more = page.locator("a[rel=next]")
        if more.count() == 0:
            return
        page.goto(urljoin(page.url, more.first.get_attribute("href")))


# One line per page that shows comments.
RENDERERS: dict[str, Callable[[Any, dict], Iterator[None]]] = {
    "api-listing": render_api_listing,
    "widget": render_widget,
    "no-js thread page": render_thread_page,
    "admin queue": render_admin_queue,
}


def _numbered(payload: str, number: int) -> str:
    """alert(1) and friends carry the entry's number, so a fired dialog names its payload."""
    return re.sub(r"(alert|confirm|prompt)\((1|document\.cookie|'XSS'|\"XSS\")\)",
                  rf"\g<1>({number})", payload)


@pytest.fixture(scope="module")
def news_host() -> Iterator[HostPage]:
    host = HostPage()
    yield host
    host.stop()


@pytest.fixture
def hostile_threads(app, make_site, form_token, client, news_host) -> list[tuple[str, list[dict]]]:
    """Every corpus entry posted through the API, as body and (when it fits) author name."""
    make_site("xss", origins=(news_host.origin,), spam_checks=[])
    with app.app_context():
        admin = accounts.create_user(ADMIN, PASSWORD, "admin", ())
        admin.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        db.session.commit()
    threads: list[tuple[str, list[dict]]] = []
    for start in range(0, len(CORPUS), PER_THREAD):
        key = f"hostile-{start // PER_THREAD}"
        token = form_token("xss", key)
        entries = []
        for number, entry in enumerate(CORPUS[start:start + PER_THREAD], start + 1):
            body = _numbered(entry["payload"], number)
            payload = {"site": "xss", "thread": key, "body": body, "form_token": token,
                       "author_name": body if len(body) <= 100 else f"entry {number}"}
            response = client.post("/api/v1/comments", json=payload,
                                   environ_base={"REMOTE_ADDR": f"203.0.113.{number % 250}"})
            if response.status_code == 422:  # refused outright (a NUL byte, say): nothing to show
                payload["author_name"] = f"entry {number}"
                response = client.post("/api/v1/comments", json=payload)
            assert response.status_code in (201, 202, 422), (entry["id"], response.get_json())
            entries.append({**entry, "number": number, "status": response.status_code})
        threads.append((key, entries))
    stored = sum(1 for _, entries in threads for e in entries if e["status"] in (201, 202))
    assert stored >= 150, f"only {stored} hostile comments were stored"
    return threads


@pytest.mark.browser
@pytest.mark.parametrize("page_name", sorted(RENDERERS))
def test_hostile_comments_stay_inert(page_name, hostile_threads, live_server, chromium,
                                     news_host):
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    context.add_init_script(TRAPS)
    allowed_origins = (live_server.url, news_host.origin, "data:", "about:")
    try:
        views = 0
        for index, (key, entries) in enumerate(hostile_threads):
            page = context.new_page()
            dialogs: list[str] = []
            foreign: list[str] = []
            page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message),
                                                            dialog.dismiss()))
            page.on("request", lambda request, seen=foreign: None if request.url.startswith(
                allowed_origins) else seen.append(request.url))
            ctx = {"server": live_server.url, "host": news_host, "site": "xss", "thread": key,
                   "count": sum(1 for e in entries if e["status"] in (201, 202)),
                   "index": index}
            for _ in RENDERERS[page_name](page, ctx):
                views += 1
                page.wait_for_load_state("networkidle")
                problems = page.evaluate(INSPECT, ALLOWED_TAGS)
                page.wait_for_timeout(100)  # let anything the events provoked run
                fired = page.evaluate("window.__xss")
                numbers = sorted({int(n) for call in fired + dialogs
                                  for n in re.findall(r"\d+", call)})
                culprits = [e["id"] for e in entries if e["number"] in numbers]
                where = (page_name, key, views)
                assert not dialogs and not fired, (where, dialogs, fired, culprits)
                assert not problems, (where, problems[:10])
                assert not foreign, (where, foreign[:10])
            page.close()
        assert views >= len(hostile_threads) if page_name != "admin queue" else views >= 3
    finally:
        context.close()


def test_corpus_is_big_and_sourced():
    assert len(CORPUS) >= 150
    assert all(entry["source"] and entry["payload"] for entry in CORPUS)
    assert len({entry["id"] for entry in CORPUS}) == len(CORPUS)
