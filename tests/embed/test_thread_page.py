"""The no-JS thread page: read, post, reply, see errors beside fields; Post/Redirect/Get."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from discuss.extensions import db
from discuss.models import Thread

PAGE = "/embed/thread?site=news&thread=article-1"


def form_data(client, **fields):
    """The hidden fields of the page's form, plus what the reader typed."""
    html = client.get(PAGE).get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    data = {"site": "news", "thread": "article-1", "form_token": token, "website": "",
            "body": "", "author_name": "", "author_email": "", "author_url": ""}
    data.update(fields)
    return data


def article_block(html: str, comment_id: int) -> str:
    """The <li> of one comment, replies included (good enough for our own markup)."""
    start = html.index(f'id="discuss-c-{comment_id}"')
    start = html.rindex("<li>", 0, start)
    depth, pos = 0, start
    for match in re.finditer(r"<(/?)li>", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            pos = start + match.end()
            break
    return html[start:pos]


def test_shows_the_thread_nested(client, site, post_comment):
    root = post_comment("The **root** comment").get_json()["comment"]["id"]
    reply = post_comment("A reply", parent_id=root).get_json()["comment"]["id"]
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 comments" in html
    assert "<p>The <strong>root</strong> comment</p>" in html
    block = article_block(html, root)
    assert '<ol class="replies">' in block and f'id="discuss-c-{reply}"' in block


def test_post_redirects_to_the_published_comment(client, site):
    response = client.post("/embed/thread", data=form_data(client, body="Hello *there*",
                                                            author_name="Olena"))
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/embed/thread"
    comment_id = int(parse_qs(location.query)["posted"][0])
    assert location.fragment == f"discuss-c-{comment_id}"
    page = client.get(f"{location.path}?{location.query}").get_data(as_text=True)
    assert "Your comment has been published." in page
    assert "<p>Hello <em>there</em></p>" in page and "Olena" in page


def test_post_under_pre_moderation_shows_the_held_notice(client, make_site):
    make_site(moderation="pre")
    response = client.post("/embed/thread", data=form_data(client, body="Wait for it"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "held for moderation" in page
    assert "Wait for it" not in page


def test_an_empty_body_is_reported_beside_the_field(client, site):
    response = client.post("/embed/thread", data=form_data(client, body="  ",
                                                            author_name="Kept Name"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="err" id="f-body-e">Must not be empty.</p>', html)
    assert 'aria-invalid="true"' in html
    assert 'value="Kept Name"' in html  # what the reader typed is not lost
    assert "Please correct the marked fields." in html


def test_a_bad_email_and_url_are_reported_beside_their_fields(client, site):
    data = form_data(client, body="Fine", author_email="not-an-email", author_url="ftp://x")
    html = client.post("/embed/thread", data=data).get_data(as_text=True)
    assert re.search(r'id="f-author_email-e">Not a valid email address.</p>', html)
    assert re.search(r'id="f-author_url-e">Must be an http or https URL.</p>', html)
    assert ">Fine</textarea>" in html


def test_required_email_is_asked_for(client, make_site):
    make_site(require_email=True)
    html = client.post("/embed/thread", data=form_data(client, body="Hi")).get_data(as_text=True)
    assert re.search(r'id="f-author_email-e">Required.</p>', html)


def test_reply_link_opens_a_reply_form_that_nests(client, site, post_comment):
    root = post_comment("Root", author_name="Marta").get_json()["comment"]["id"]
    html = client.get(f"{PAGE}&reply={root}").get_data(as_text=True)
    assert "Reply to Marta" in html
    assert f'<input type="hidden" name="parent_id" value="{root}">' in html
    response = client.post("/embed/thread", data=form_data(client, body="Agreed",
                                                            parent_id=str(root)))
    assert response.status_code == 303
    html = client.get(PAGE).get_data(as_text=True)
    assert "Agreed" in article_block(html, root)


def test_a_reply_to_a_missing_comment_is_explained(client, site):
    response = client.post("/embed/thread", data=form_data(client, body="Hi", parent_id="999"))
    assert response.status_code == 404
    assert "No comment 999 to reply to." in response.get_data(as_text=True)


def test_locked_thread_has_no_form_and_refuses_posts(app, client, site, post_comment):
    post_comment("Before the lock")
    data = form_data(client, body="After")
    with app.app_context():
        db.session.execute(db.update(Thread).values(locked=True))
        db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Comments are closed for this article." in html
    assert "<form" not in html
    response = client.post("/embed/thread", data=data)
    assert response.status_code == 403
    assert "This thread is closed for comments." in response.get_data(as_text=True)


def test_hostile_input_is_inert(client, site, post_comment):
    post_comment('<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))',
                 author_name='<b onmouseover="alert(4)">Mallory</b>',
                 author_url="https://example.org/\"><script>alert(5)</script>")
    html = client.get(PAGE).get_data(as_text=True)
    assert "<script" not in html
    assert "onerror=" not in html.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/&#34;&gt;&lt;script&gt;' in html
    assert "&lt;b onmouseover=&#34;alert(4)&#34;&gt;Mallory&lt;/b&gt;" in html


def test_pages_through_a_long_thread(client, site, post_comment):
    for n in range(23):
        post_comment(f"Comment number {n:02d}", ip=f"192.0.2.{n + 1}")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Comment number 19" in html and "Comment number 20" not in html
    more = re.search(r'href="([^"]+cursor=[^"]+)">Load more comments', html).group(1)
    second = client.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert "Comment number 22" in second and "Comment number 00" not in second


def test_sort_links(client, site, post_comment):
    post_comment("older one")
    post_comment("newer one")
    html = client.get(f"{PAGE}&sort=newest").get_data(as_text=True)
    assert html.index("newer one") < html.index("older one")
    assert '<strong aria-current="true">Newest first</strong>' in html


@pytest.mark.parametrize("query, status", [
    ("site=news&thread=article-1&sort=sideways", 400),
    ("site=news&thread=article-1&cursor=garbage", 400),
    ("site=news&thread=article-1&reply=abc", 400),
    ("site=news", 400),
    ("site=nope&thread=x", 404),
])
def test_bad_parameters_get_a_clear_page(client, site, query, status):
    response = client.get(f"/embed/thread?{query}")
    assert response.status_code == status
    assert response.mimetype == "text/html"


def test_a_form_without_its_thread_is_a_bad_request(client, site):
    assert client.post("/embed/thread", data={"body": "x"}).status_code == 400
    unknown = client.post("/embed/thread", data={"site": "nope", "thread": "x", "body": "x"})
    assert unknown.status_code == 404


def test_unknown_form_fields_are_refused_beside_the_form(client, site):
    response = client.post("/embed/thread", data=form_data(client, body="x", admin="1"))
    assert response.status_code == 422
    assert "admin: Unknown field." in response.get_data(as_text=True)


def test_language_follows_the_site_or_the_link(client, make_site):
    make_site(language="fr")
    assert "Votre commentaire" in client.get(PAGE).get_data(as_text=True)
    html = client.get(f"{PAGE}&lang=de").get_data(as_text=True)
    assert '<html lang="de">' in html and "Ihr Kommentar" in html


def test_may_be_framed_by_the_sites_origins_only(client, site):
    policy = client.get(PAGE).headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://news.example" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy


def test_posting_is_rate_limited(other_app, make_site):
    app = other_app()
    make_site(spam_checks=[{"name": "flood", "options": {"limit": "2 per minute"}}])
    client = app.test_client()
    statuses = [client.post("/embed/thread", data=form_data(client, body=f"n{n}")).status_code
                for n in range(3)]
    assert statuses == [303, 303, 429]


def test_back_link_only_to_the_sites_own_pages(client, make_site, post_comment):
    make_site()
    post_comment("First", thread_url="https://news.example/2026/story")
    html = client.get(PAGE).get_data(as_text=True)
    assert 'href="https://news.example/2026/story"' in html and "Back to the article" in html
    post_comment("Elsewhere", thread="article-2", thread_url="https://phish.example/login")
    html = client.get("/embed/thread?site=news&thread=article-2").get_data(as_text=True)
    assert "phish.example" not in html and "Back to the article" not in html


ARTICLE = "https://news.example/2026/11/night-ferry-returns"
LINKED = (f"{PAGE}&url=https%3A%2F%2Fnews.example%2F2026%2F11%2Fnight-ferry-returns"
          "&title=Night+ferry+returns")


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_a_thread_first_commented_here_records_the_articles_address_and_title(client, site):
    page = client.get(LINKED).get_data(as_text=True)
    fields = hidden_fields(page)
    assert fields["thread_url"] == ARTICLE and fields["thread_title"] == "Night ferry returns"
    response = client.post("/embed/thread", data={
        **fields, "body": "Posted without JavaScript.", "author_name": "", "author_email": "",
        "author_url": "", "website": ""})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["url"] == [ARTICLE]  # kept for the next page
    with client.application.app_context():
        thread = db.session.query(Thread).filter_by(key="article-1").one()
        assert (thread.url, thread.title) == (ARTICLE, "Night ferry returns")
    shown = client.get(location).get_data(as_text=True)
    assert f'href="{ARTICLE}"' in shown  # the way back to the article
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert listing["thread"]["url"] == ARTICLE
    assert listing["thread"]["title"] == "Night ferry returns"


def test_a_bad_article_address_in_the_link_is_left_out_and_the_page_still_shown(client, site):
    response = client.get(f"{PAGE}&url=javascript:alert(1)&title=" + "x" * 600)
    assert response.status_code == 200
    fields = hidden_fields(response.get_data(as_text=True))
    assert "thread_url" not in fields and "thread_title" not in fields
    assert "javascript:" not in response.get_data(as_text=True)
    assert client.get(f"{PAGE}&sort=sideways").status_code == 400  # other parameters still count


def test_a_tampered_article_address_in_the_form_is_reported_and_nothing_is_stored(client, site):
    fields = hidden_fields(client.get(LINKED).get_data(as_text=True))
    response = client.post("/embed/thread", data={
        **fields, "thread_url": "ftp://elsewhere.example/x", "body": "Kept text",
        "author_name": "", "author_email": "", "author_url": "", "website": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "thread_url" in html and "http or https" in html
    assert "Kept text" in html  # what the reader typed is not lost
    with client.application.app_context():
        assert db.session.query(Thread).filter_by(key="article-1").count() == 0
