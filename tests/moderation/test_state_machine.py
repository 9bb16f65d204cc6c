"""The state machine through the API: transitions, counters, versions, audit, feedback."""

from __future__ import annotations

import pytest

from discuss.spam import registry
from tests.moderation.moderation_helpers import bearer

ALL_STATUSES = ["pending", "approved", "spam", "rejected", "deleted"]
# action -> (statuses it may start from, where it leads)
EXPECTED = {
    "approve": ({"pending", "spam", "rejected"}, "approved"),
    "reject": ({"pending", "approved", "spam"}, "rejected"),
    "spam": ({"pending", "approved", "rejected"}, "spam"),
    "ham": ({"spam", "pending"}, "approved"),
    "delete": ({"pending", "approved", "spam", "rejected"}, "deleted"),
}
# how to bring a fresh (pending) comment into a status, through the API itself
ROUTE = {"pending": [], "approved": ["approve"], "spam": ["spam"], "rejected": ["reject"],
         "deleted": ["delete"]}


@pytest.fixture
def key(make_site, make_key):
    make_site(moderation="pre")
    return make_key("news")


def act(client, key, comment_id, action, note=None):
    body = {"action": action} | ({"note": note} if note else {})
    return client.post(f"/api/v1/moderation/comments/{comment_id}", json=body,
                       headers=bearer(key))


def public_count(client):
    return client.get("/api/v1/config?site=news&thread=article-1").get_json()["thread"][
        "comment_count"]


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("start", ALL_STATUSES)
def test_every_transition_is_allowed_or_a_conflict(client, key, held, action, start):
    comment_id = held()
    for step in ROUTE[start]:
        assert act(client, key, comment_id, step).status_code == 200
    sources, target = EXPECTED[action]
    response = act(client, key, comment_id, action)
    if start in sources:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == target
    else:
        assert response.status_code == 409
        problem = response.get_json()
        assert problem["status"] == 409 and f"it is {start}" in problem["detail"]


def test_approve_publishes_and_counts(client, key, held):
    comment_id = held("Worth reading.")
    listing = client.get("/api/v1/comments?site=news&thread=article-1")
    assert listing.get_json()["comments"] == []
    etag = listing.headers["ETag"]

    response = act(client, key, comment_id, "approve", note="fine")
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"

    again = client.get("/api/v1/comments?site=news&thread=article-1",
                       headers={"If-None-Match": etag})
    assert again.status_code == 200, "the thread version must change"
    assert [c["id"] for c in again.get_json()["comments"]] == [comment_id]
    assert public_count(client) == 1

    assert act(client, key, comment_id, "spam").status_code == 200
    assert client.get("/api/v1/comments?site=news&thread=article-1").get_json()["comments"] == []
    assert public_count(client) == 0


def test_restore_returns_to_the_status_before_deletion(client, key, held):
    approved, pending = held("one"), held("two")
    act(client, key, approved, "approve")
    for comment_id in (approved, pending):
        assert act(client, key, comment_id, "delete").status_code == 200
    assert public_count(client) == 0
    assert act(client, key, approved, "restore").get_json()["status"] == "approved"
    assert act(client, key, pending, "restore").get_json()["status"] == "pending"
    assert public_count(client) == 1


def test_author_deleted_comment_restores_to_pending(client, key, post_comment):
    created = post_comment("mine").get_json()
    client.delete(f"/api/v1/comments/{created['comment']['id']}",
                  headers=bearer(created["edit_token"]))
    response = act(client, key, created["comment"]["id"], "restore")
    assert response.get_json()["status"] == "pending"


def test_every_action_is_audited(client, key, held):
    comment_id = held()
    act(client, key, comment_id, "approve", note="looks fine")
    act(client, key, comment_id, "spam", note="link farm after all")
    events = client.get(f"/api/v1/moderation/audit?comment={comment_id}",
                        headers=bearer(key)).get_json()["events"]
    assert [(e["action"], e["previous_status"], e["new_status"], e["note"]) for e in events] == [
        ("spam", "approved", "spam", "link farm after all"),
        ("approve", "pending", "approved", "looks fine"),
    ]
    assert all(e["actor"].startswith("key:dsk_") and e["site"] == "news" for e in events)
    assert all(e["created_at"].endswith("Z") for e in events)


def test_unknown_action_and_comment(client, key, held):
    comment_id = held()
    response = act(client, key, comment_id, "publish")
    assert response.status_code == 422
    assert "action" in response.get_json()["errors"]
    assert act(client, key, 999999, "approve").status_code == 404
    too_long = client.post(f"/api/v1/moderation/comments/{comment_id}",
                           json={"action": "approve", "note": "x" * 1001}, headers=bearer(key))
    assert too_long.status_code == 422 and "note" in too_long.get_json()["errors"]
    extra = client.post(f"/api/v1/moderation/comments/{comment_id}",
                        json={"action": "approve", "status": "approved"}, headers=bearer(key))
    assert extra.status_code == 422 and "status" in extra.get_json()["errors"]


def test_learning_checks_hear_spam_ham_and_approve(client, key, held, monkeypatch):
    heard: list[tuple[str, int, bool]] = []
    # The registry is the seam to the spam checks; record what crosses it.
    monkeypatch.setattr(registry, "send_feedback",
                        lambda site, comment, is_spam: heard.append((site.slug, comment.id,
                                                                     is_spam)))
    a, b = held("one"), held("two")
    act(client, key, a, "spam")
    act(client, key, a, "ham")
    act(client, key, b, "approve")
    act(client, key, b, "reject")
    act(client, key, b, "delete")
    assert heard == [("news", a, True), ("news", a, False), ("news", b, False)]


def test_failing_feedback_never_undoes_a_decision(client, key, held, monkeypatch, caplog):
    def broken(site, comment, is_spam):
        raise RuntimeError("classifier down")

    monkeypatch.setattr(registry, "send_feedback", broken)
    comment_id = held()
    response = act(client, key, comment_id, "spam")
    assert response.status_code == 200 and response.get_json()["status"] == "spam"
    assert "spam feedback failed" in caplog.text
