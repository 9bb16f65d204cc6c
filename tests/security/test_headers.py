"""Response headers and cookies: CSP on every HTML page, no sniffing, referrer policy, framing
only of the no-JS thread page and only by the site's own origins, and cookie flags."""

from __future__ import annotations

import http.server
import re
import threading
from html.parser import HTMLParser

import pytest
from werkzeug.security import generate_password_hash

from discuss.extensions import db
from discuss.services import accounts

PASSWORD = "correct horse battery staple"

# Every HTML page the service serves. Pages that need data get it from the `site` fixture
# ("news", origin https://news.example). Adding a page is one line here.
HTML_PAGES = [
    "/no-such-page",
    "/embed/thread?site=news&thread=article-1",
    "/embed/thread?site=nowhere&thread=article-1",
    "/demo",
    "/demo/news",
    "/demo/news/market-hall-roof",
    "/admin/login",
]
# The admin's pages, seen signed in as an administrator ({c} is a comment id).
ADMIN_PAGES = [
    "/admin/queue", "/admin/queue?status=approved", "/admin/comments/{c}", "/admin/sites",
    "/admin/sites/news", "/admin/threads", "/admin/bans", "/admin/users", "/admin/keys",
    "/admin/audit", "/admin/no-such-page",
]
DATA_ENDPOINTS = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/openapi.json",
    "/api/v1/config?site=news&thread=article-1",
    "/api/v1/comments?site=news&thread=article-1",
    "/api/v1/comments?site=nowhere&thread=x",
]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def effective(policy: dict[str, list[str]], directive: str) -> list[str]:
    """What the browser applies for a fetch directive: its own list, else default-src."""
    return policy.get(directive, policy.get("default-src", ["*"]))


class InlineCode(HTMLParser):
    """Finds inline scripts, event-handler attributes and javascript: URLs in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in names
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=...>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]}")


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_have_a_strict_policy_and_no_inline_code(client, site, path):
    response = client.get(path)
    assert response.mimetype == "text/html", (path, response.status_code)
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert effective(policy, "script-src") in (["'self'"], ["'none'"]), policy
    assert effective(policy, "object-src") == ["'none'"], policy
    assert effective(policy, "style-src") in (["'self'"], ["'none'"]), policy
    assert policy["base-uri"] == ["'none'"]
    assert all("'unsafe" not in value and value != "*" for values in policy.values()
               for value in values), policy
    assert "frame-ancestors" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin",
                                                   "same-origin", "no-referrer")
    scanner = InlineCode()
    scanner.feed(response.get_data(as_text=True))
    assert scanner.found == [], (path, scanner.found)


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_data_responses_cannot_be_sniffed_or_framed(client, site, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_ordinary_pages_may_not_be_framed(client, site):
    response = client.get("/no-such-page")
    assert csp_directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == [
        "'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_thread_page_may_be_framed_by_the_sites_origins_only(client, make_site):
    make_site("news", origins=("https://news.example", "https://www.news.example"))
    make_site("other", origins=("https://other.example",))
    response = client.get("/embed/thread?site=news&thread=article-1")
    ancestors = csp_directives(response.headers["Content-Security-Policy"])["frame-ancestors"]
    assert ancestors == ["'self'", "https://news.example", "https://www.news.example"]
    assert "X-Frame-Options" not in response.headers  # it cannot list origins; CSP decides
    other = client.get("/embed/thread?site=other&thread=article-1")
    assert csp_directives(other.headers["Content-Security-Policy"])["frame-ancestors"] == [
        "'self'", "https://other.example"]
    unknown = client.get("/embed/thread?site=nowhere&thread=article-1")
    assert csp_directives(unknown.headers["Content-Security-Policy"])["frame-ancestors"] == [
        "'none'"]


def test_https_responses_ask_for_https_from_now_on(client):
    response = client.get("/healthz", base_url="https://comments.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def _set_cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def _admin_client(app):
    with app.app_context():
        user = accounts.create_user("boss", PASSWORD, "admin", ())
        user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/admin/login").get_data(as_text=True)).group(1)
    signed = client.post("/admin/login", data={"name": "boss", "password": PASSWORD,
                                               "csrf_token": token})
    assert signed.status_code == 302
    return client, signed


def test_session_cookie_is_secure_httponly_and_samesite(app, site):
    _, signed = _admin_client(app)
    cookie = signed.headers["Set-Cookie"]
    assert {"secure", "httponly", "samesite"} <= _set_cookie_attributes(cookie)
    assert re.search(r"SameSite=(Lax|Strict)", cookie)


def test_admin_pages_have_a_strict_policy_and_no_inline_code(app, site, post_comment):
    client, _ = _admin_client(app)
    comment_id = post_comment("Something to moderate.").get_json()["comment"]["id"]
    for path in ADMIN_PAGES:
        response = client.get(path.format(c=comment_id))
        assert response.mimetype == "text/html", (path, response.status_code)
        policy = csp_directives(response.headers["Content-Security-Policy"])
        assert effective(policy, "script-src") == ["'self'"], (path, policy)
        assert effective(policy, "style-src") == ["'self'"], (path, policy)
        assert policy["frame-ancestors"] == ["'none'"], path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        scanner = InlineCode()
        scanner.feed(response.get_data(as_text=True))
        assert scanner.found == [], (path, scanner.found)
        assert 'style="' not in response.get_data(as_text=True), path  # CSP would drop it


class _FramingPages(http.server.BaseHTTPRequestHandler):
    """A news site's article page that frames the thread page (or another page)."""

    target = ""

    def do_GET(self):
        body = f'<!doctype html><iframe id="f" src="{self.target}"></iframe>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def news_site_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FramingPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.browser
def test_browser_enforces_the_framing_rules(live_server, make_site, news_site_server,
                                            browser_page):
    port = news_site_server.server_port
    make_site("news", origins=(f"http://127.0.0.1:{port}",))

    def framed_url(article_host: str, target: str) -> str:
        _FramingPages.target = f"{live_server.url}{target}"
        browser_page.goto(f"http://{article_host}:{port}/article")
        browser_page.wait_for_load_state("load")
        frame = browser_page.frame_locator("#f")
        frame.locator("body").wait_for(state="attached")
        return next(f.url for f in browser_page.frames if f != browser_page.main_frame)

    thread_page = "/embed/thread?site=news&thread=article-1"
    assert framed_url("127.0.0.1", thread_page).startswith(live_server.url)
    assert framed_url("localhost", thread_page).startswith("chrome-error:")
    assert framed_url("127.0.0.1", "/no-such-page").startswith("chrome-error:")
