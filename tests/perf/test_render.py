"""The fast serialisers write exactly what the documented schemas would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask

from discuss.extensions import db
from discuss.models import Comment
from discuss.schemas.comments import CreatedOut, ListingOut
from discuss.services.listing import CommentNode, SortOrder, load_thread_page, own_node
from discuss.web.api.render import created_json
from tests.perf.test_listing_cache import moderate

URL = "/api/v1/comments?site=news&thread=article-1"


def schema_bytes(app: Flask, sort: SortOrder, limit: int, cursor: str | None) -> bytes:
    """The body as flask-smorest would build it: ListingOut().dump through Flask's JSON."""
    with app.test_request_context():
        page = load_thread_page("news", "article-1", sort, limit, cursor)
        dumped = ListingOut().dump({"thread": page.thread_info, "comments": page.comments,
                                    "next_cursor": page.next_cursor})
        return app.json.response(dumped).get_data()


@pytest.fixture
def varied_thread(client, make_site, post_comment):
    """Tombstones, replies past max_depth, edits, votes, links, non-ASCII and markup."""
    from discuss.models import CommentStatus

    make_site(max_depth=2)
    ids = []
    top = post_comment("Top **bold** — naïve café ☕ <script>x</script>", author_url="https://a.example",
                       ip="198.51.100.1").get_json()
    ids.append(top["comment"]["id"])
    parent = ids[0]
    for depth in range(4):
        parent = post_comment(f"Depth {depth + 1} \"quoted\" & <b>", parent_id=parent,
                              ip=f"198.51.100.{depth + 2}").get_json()["comment"]["id"]
        ids.append(parent)
    gone = post_comment("Will be withdrawn", ip="198.51.100.20").get_json()["comment"]["id"]
    post_comment("Reply to withdrawn", parent_id=gone, ip="198.51.100.21")
    for n in range(5):
        post_comment(f"Plain {n}", author_name=None, ip=f"198.51.100.{n + 30}")
    edited = post_comment("Before edit", ip="198.51.100.40").get_json()
    client.patch(f"/api/v1/comments/{edited['comment']['id']}", json={"body": "After edit"},
                 headers={"Authorization": f"Bearer {edited['edit_token']}"})
    client.post(f"/api/v1/comments/{ids[1]}/vote", json={"value": 1})
    client.post(f"/api/v1/comments/{gone}/vote", json={"value": -1})
    moderate(client.application, gone, CommentStatus.REJECTED)
    moderate(client.application, ids[2], CommentStatus.DELETED)


@pytest.mark.parametrize("sort", list(SortOrder))
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_listing_bytes_equal_the_schema_dump(app, client, varied_thread, sort, limit):
    cursor = None
    for _ in range(12):
        url = f"{URL}&sort={sort.value}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.mimetype == "application/json"
        assert response.get_data() == schema_bytes(app, sort, limit, cursor)
        assert client.get(url).get_data() == response.get_data()  # the cached copy too
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            break
    assert cursor is None


def test_unknown_thread_body_equals_the_schema_dump(app, client, site):
    response = client.get("/api/v1/comments?site=news&thread=article-1")
    assert response.get_json()["comments"] == []
    assert response.get_data() == schema_bytes(app, SortOrder.OLDEST, 50, None)


def _created_schema_bytes(app: Flask, node, edit_token: str, status: str) -> bytes:
    """The answer to a post as flask-smorest would build it: CreatedOut through Flask's JSON."""
    with app.test_request_context():
        dumped = CreatedOut().dump({"comment": node, "edit_token": edit_token,
                                    "status": status})
        return app.json.response(dumped).get_data()


def test_created_bytes_equal_the_schema_dump(app):
    written = datetime(2026, 12, 8, 3, 4, 5, 678901, tzinfo=UTC)
    nodes = [
        CommentNode(id=1, parent_id=None, depth=0, status="approved",
                    author={"name": "Ann", "url": "https://a.example", "avatar": "f" * 32},
                    html="<p>naïve café ☕ &lt;script&gt;</p>", created_at=written,
                    edited_at=None, likes=0, dislikes=0, deleted=False,
                    body="naïve café ☕ <script>"),
        CommentNode(id=2, parent_id=1, depth=1, status="pending",
                    author={"name": None, "url": None, "avatar": "0" * 32},
                    html='<p>"quoted" &amp; \\ back</p>',
                    created_at=written.astimezone(timezone(timedelta(hours=5))),
                    edited_at=written, likes=3, dislikes=1, deleted=False,
                    body='"quoted" & \\ back'),
        CommentNode(id=3, parent_id=None, depth=0, status="approved",
                    author={"name": "B", "url": None, "avatar": "1" * 32}, html="<p>x</p>",
                    created_at=written, edited_at=None, likes=0, dislikes=0, deleted=False),
    ]
    for node in nodes:
        for status in ("approved", "pending"):
            assert created_json(node, "tok.en", status) == \
                _created_schema_bytes(app, node, "tok.en", status), (node.id, status)


def test_a_post_answers_the_schema_dump_of_the_stored_comment(app, client, site, post_comment):
    for text, expected in (("Plain words.", 201), ("**Bold** [link](https://x.example)", 201)):
        response = post_comment(text)
        assert response.status_code == expected
        answer = response.get_json()
        with app.app_context():
            stored = db.session.get(Comment, answer["comment"]["id"])
            node = own_node(stored)
        assert response.mimetype == "application/json"
        assert response.get_data() == _created_schema_bytes(
            app, node, answer["edit_token"], answer["status"])
