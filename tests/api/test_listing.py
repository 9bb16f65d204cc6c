"""Reading a thread: order, pages, trees, tombstones, depth, ETags, and what stays private."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, utcnow

LIST = "/api/v1/comments?site=news&thread=article-1"


def _ids(comments):
    return [c["id"] for c in comments]


def _backdate(app, minutes_by_id):
    with app.app_context():
        for comment_id, minutes in minutes_by_id.items():
            db.session.execute(
                sa.update(Comment).where(Comment.id == comment_id)
                .values(created_at=utcnow() - timedelta(minutes=minutes))
            )
        db.session.commit()


def test_unknown_site_is_404_problem(client):
    response = client.get("/api/v1/comments?site=nope&thread=a")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unknown_thread_is_an_empty_page(client, site):
    response = client.get("/api/v1/comments?site=news&thread=never-commented")
    assert response.status_code == 200
    body = response.get_json()
    assert body["comments"] == []
    assert body["next_cursor"] is None
    assert body["thread"] == {"key": "never-commented", "url": None, "title": None,
                              "locked": False, "comment_count": 0}


def test_comment_shape_has_no_private_fields(client, site, post_comment):
    post_comment("Hi", author_email="secret@example.org", author_url="https://me.example")
    comment = client.get(LIST).get_json()["comments"][0]
    assert set(comment) == {"id", "parent_id", "depth", "status", "author", "html", "created_at",
                            "edited_at", "likes", "dislikes", "deleted", "replies"}
    assert set(comment["author"]) == {"name", "url", "avatar"}
    assert comment["author"]["url"] == "https://me.example"
    text = client.get(LIST).get_data(as_text=True)
    for private in ("secret@example.org", "192.0.2.1", "body_source", "Hi\""):
        assert private not in text
    assert comment["created_at"].endswith("Z") and "T" in comment["created_at"]


def test_sort_orders(client, app, site, post_comment):
    ids = [post_comment(f"comment {n}").get_json()["comment"]["id"] for n in range(3)]
    _backdate(app, {ids[0]: 30, ids[1]: 20, ids[2]: 10})
    client.post(f"/api/v1/comments/{ids[1]}/vote", json={"value": 1},
                environ_base={"REMOTE_ADDR": "198.51.100.1"})
    client.post(f"/api/v1/comments/{ids[1]}/vote", json={"value": 1},
                environ_base={"REMOTE_ADDR": "198.51.100.2"})
    client.post(f"/api/v1/comments/{ids[2]}/vote", json={"value": 1},
                environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert _ids(client.get(LIST).get_json()["comments"]) == ids
    assert _ids(client.get(LIST + "&sort=oldest").get_json()["comments"]) == ids
    assert _ids(client.get(LIST + "&sort=newest").get_json()["comments"]) == ids[::-1]
    assert _ids(client.get(LIST + "&sort=top").get_json()["comments"]) == [ids[1], ids[2], ids[0]]


def test_cursor_pages_cover_every_root_once(client, site, post_comment):
    ids = [post_comment(f"c{n}").get_json()["comment"]["id"] for n in range(7)]
    for sort, expected in (("oldest", ids), ("newest", ids[::-1]), ("top", ids[::-1])):
        seen, cursor = [], None
        for _ in range(10):
            url = f"{LIST}&sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(url).get_json()
            seen += _ids(page["comments"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected, sort


def test_bad_sort_limit_cursor_are_400(client, site, post_comment):
    post_comment()
    for query in ("&sort=best", "&limit=0", "&limit=101", "&limit=abc", "&cursor=%%%",
                  "&cursor=bm90LWpzb24", "&cursor=WyJ0b3AiLDEsMV0"):
        response = client.get(LIST + query)
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"
    assert "cursor" in client.get(LIST + "&cursor=bm90LWpzb24").get_json()["detail"]
    missing = client.get("/api/v1/comments?site=news")
    assert missing.status_code == 400
    assert "thread" in missing.get_json()["errors"]


def test_replies_form_a_tree_oldest_first(client, site, post_comment):
    root = post_comment("root").get_json()["comment"]["id"]
    first = post_comment("first reply", parent_id=root).get_json()["comment"]["id"]
    second = post_comment("second reply", parent_id=root).get_json()["comment"]["id"]
    nested = post_comment("nested", parent_id=first).get_json()["comment"]
    assert nested["depth"] == 2 and nested["parent_id"] == first
    tree = client.get(LIST + "&sort=newest").get_json()["comments"]
    assert _ids(tree) == [root]
    assert _ids(tree[0]["replies"]) == [first, second]
    assert tree[0]["replies"][0]["replies"][0]["html"] == "<p>nested</p>"
    assert tree[0]["replies"][0]["replies"][0]["depth"] == 2


def test_replies_deeper_than_max_depth_hang_from_deepest_allowed_ancestor(
    client, make_site, post_comment
):
    make_site(max_depth=2)
    chain = [post_comment("level 0").get_json()["comment"]["id"]]
    for level in range(1, 5):
        response = post_comment(f"level {level}", parent_id=chain[-1])
        chain.append(response.get_json()["comment"]["id"])
    root = client.get(LIST).get_json()["comments"][0]
    level1 = root["replies"][0]
    level2 = level1["replies"]
    assert _ids(level2) == chain[2:]
    assert [c["depth"] for c in level2] == [2, 2, 2]
    assert [c["parent_id"] for c in level2] == chain[1:4]
    assert all(c["replies"] == [] for c in level2)


def test_deleted_comment_with_replies_stays_as_tombstone(client, site, post_comment):
    root = post_comment("will go").get_json()
    reply = post_comment("stays", parent_id=root["comment"]["id"]).get_json()
    lonely = post_comment("alone").get_json()
    for created in (root, lonely):
        headers = {"Authorization": f"Bearer {created['edit_token']}"}
        assert client.delete(f"/api/v1/comments/{created['comment']['id']}",
                             headers=headers).status_code == 204
    body = client.get(LIST).get_json()
    assert _ids(body["comments"]) == [root["comment"]["id"]]
    tombstone = body["comments"][0]
    assert tombstone["deleted"] is True and tombstone["html"] == ""
    assert tombstone["author"]["name"] is None
    assert _ids(tombstone["replies"]) == [reply["comment"]["id"]]
    assert body["thread"]["comment_count"] == 1

    headers = {"Authorization": f"Bearer {reply['edit_token']}"}
    client.delete(f"/api/v1/comments/{reply['comment']['id']}", headers=headers)
    assert client.get(LIST).get_json()["comments"] == []


def test_held_comments_are_not_listed(client, make_site, post_comment):
    make_site(moderation="pre")
    assert post_comment("held").status_code == 202
    body = client.get(LIST).get_json()
    assert body["comments"] == [] and body["thread"]["comment_count"] == 0


def test_etag_gives_304_until_something_visible_changes(client, site, post_comment):
    created = post_comment("first").get_json()
    first = client.get(LIST)
    etag = first.headers["ETag"]
    assert etag
    again = client.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(LIST + "&sort=newest", headers={"If-None-Match": etag}).status_code == 200
    client.post(f"/api/v1/comments/{created['comment']['id']}/vote", json={"value": 1})
    changed = client.get(LIST, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    post_comment("second")
    assert client.get(LIST, headers={"If-None-Match": etag}).status_code == 200
