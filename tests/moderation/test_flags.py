"""Reader flags: at the site's threshold a comment goes back to pending, flags shown."""

from __future__ import annotations

from tests.moderation.moderation_helpers import bearer


def flag(client, comment_id, ip, reason="abuse", note=None):
    body = {"reason": reason} | ({"note": note} if note else {})
    return client.post(f"/api/v1/comments/{comment_id}/flag", json=body,
                       environ_base={"REMOTE_ADDR": ip})


def count(client):
    return client.get("/api/v1/config?site=news&thread=article-1").get_json()["thread"][
        "comment_count"]


def test_threshold_holds_the_comment(client, make_site, make_key, post_comment, status_of):
    make_site(flag_threshold=2)
    key = make_key("news")
    comment_id = post_comment("Rude words.").get_json()["comment"]["id"]
    assert flag(client, comment_id, "198.51.100.1", note="insulting").status_code == 202
    assert status_of(comment_id) == "approved"
    flagged = client.get("/api/v1/moderation/comments?site=news&status=flagged",
                         headers=bearer(key)).get_json()
    assert [c["flag_count"] for c in flagged["comments"]] == [1]

    etag = client.get("/api/v1/comments?site=news&thread=article-1").headers["ETag"]
    assert flag(client, comment_id, "198.51.100.2", reason="spam").status_code == 202
    assert status_of(comment_id) == "pending"
    assert count(client) == 0
    listing = client.get("/api/v1/comments?site=news&thread=article-1",
                         headers={"If-None-Match": etag})
    assert listing.status_code == 200 and listing.get_json()["comments"] == []

    queue = client.get("/api/v1/moderation/comments?site=news&status=flagged",
                       headers=bearer(key)).get_json()
    (item,) = queue["comments"]
    assert item["status"] == "pending" and item["flag_count"] == 2
    assert [(f["reason"], f["note"]) for f in item["flags"]] == [("abuse", "insulting"),
                                                                 ("spam", None)]
    assert queue["counts"]["flagged"] == 1 and queue["counts"]["pending"] == 1
    history = client.get(f"/api/v1/moderation/audit?comment={comment_id}",
                         headers=bearer(key)).get_json()["events"]
    assert [(e["actor"], e["action"], e["new_status"]) for e in history] == [
        ("readers", "hold", "pending")]

    approved = client.post(f"/api/v1/moderation/comments/{comment_id}",
                           json={"action": "approve"}, headers=bearer(key)).get_json()
    assert approved["status"] == "approved" and approved["flag_count"] == 0
    assert count(client) == 1
    assert client.get("/api/v1/moderation/comments?site=news&status=flagged",
                      headers=bearer(key)).get_json()["comments"] == []
    flag(client, comment_id, "198.51.100.3")
    assert status_of(comment_id) == "approved", "flags start counting afresh after approval"


def test_threshold_zero_never_holds(client, make_site, post_comment, status_of):
    make_site(flag_threshold=0)
    comment_id = post_comment("Fine.").get_json()["comment"]["id"]
    for n in range(4):
        flag(client, comment_id, f"198.51.100.{n + 1}")
    assert status_of(comment_id) == "approved"


def test_same_reader_flags_once(client, make_site, post_comment, status_of):
    make_site(flag_threshold=2)
    comment_id = post_comment("Fine.").get_json()["comment"]["id"]
    for _ in range(3):
        flag(client, comment_id, "198.51.100.1")
    assert status_of(comment_id) == "approved"
