"""The fast listing serialiser writes exactly what the documented schema would."""

from __future__ import annotations

import pytest
from flask import Flask

from discuss.schemas.comments import ListingOut
from discuss.services.listing import SortOrder, load_thread_page
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
