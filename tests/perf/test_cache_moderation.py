"""The moderators' actions, through their real API, reach the next cached reader."""

from __future__ import annotations

import pytest

from discuss.services import accounts
from tests.perf.test_listing_cache import app, bodies, read, read_cached  # noqa: F401

# ``app`` is imported so that every test here runs with the LRU and with Redis too.


@pytest.fixture
def moderator(app):  # noqa: F811
    """Headers of a moderation API key for the site ``news``."""

    def headers() -> dict[str, str]:
        with app.app_context():
            return {"Authorization": f"Bearer {accounts.create_api_key('news')[1]}"}

    return headers


def act(client, headers, comment_id: int, action: str):
    response = client.post(f"/api/v1/moderation/comments/{comment_id}",
                           json={"action": action}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


@pytest.mark.parametrize("action", ["reject", "spam", "delete"])
def test_moderator_removal_is_seen(app, client, site, post_comment, moderator,  # noqa: F811
                                   action):
    headers = moderator()
    gone = post_comment("Out of line").get_json()["comment"]["id"]
    post_comment("Within the rules", ip="192.0.2.60")
    assert "<p>Out of line</p>" in bodies(read_cached(client, app))
    act(client, headers, gone, action)
    listing, _ = read(client, app)
    assert bodies(listing) == ["<p>Within the rules</p>"]
    assert listing["thread"]["comment_count"] == 1


def test_approval_from_the_queue_is_seen(app, client, make_site, post_comment,  # noqa: F811
                                         moderator):
    make_site(moderation="pre")
    headers = moderator()
    held = post_comment("Waiting").get_json()["comment"]["id"]
    assert bodies(read_cached(client, app)) == []
    act(client, headers, held, "approve")
    assert bodies(read(client, app)[0]) == ["<p>Waiting</p>"]


def test_thread_lock_is_seen(app, client, site, post_comment, moderator):  # noqa: F811
    post_comment("Before the lock")
    assert read_cached(client, app)["thread"]["locked"] is False
    response = client.post("/api/v1/moderation/threads",
                           json={"site": "news", "thread": "article-1", "locked": True},
                           headers=moderator())
    assert response.status_code < 300, response.get_json()
    assert read(client, app)[0]["thread"]["locked"] is True


def test_site_settings_change_is_seen(app, client, site, post_comment, moderator):  # noqa: F811
    first = post_comment("Level 0").get_json()["comment"]["id"]
    second = post_comment("Level 1", parent_id=first, ip="192.0.2.61").get_json()
    post_comment("Level 2", parent_id=second["comment"]["id"], ip="192.0.2.62")
    assert read_cached(client, app)["comments"][0]["replies"][0]["replies"]
    response = client.patch("/api/v1/moderation/sites/news", json={"max_depth": 1},
                            headers=moderator())
    assert response.status_code == 200, response.get_json()
    replies = read(client, app)[0]["comments"][0]["replies"]
    assert [r["html"] for r in replies] == ["<p>Level 1</p>", "<p>Level 2</p>"]


def test_reader_flags_that_hold_a_comment_are_seen(app, client, make_site,  # noqa: F811
                                                   post_comment):
    make_site(flag_threshold=2)
    flagged = post_comment("Flag me").get_json()["comment"]["id"]
    post_comment("Leave me", ip="192.0.2.63")
    assert "<p>Flag me</p>" in bodies(read_cached(client, app))
    for reader in ("198.51.100.7", "198.51.100.8"):
        response = client.post(f"/api/v1/comments/{flagged}/flag", json={"reason": "abuse"},
                               environ_base={"REMOTE_ADDR": reader})
        assert response.status_code == 202
    assert bodies(read(client, app)[0]) == ["<p>Leave me</p>"]
