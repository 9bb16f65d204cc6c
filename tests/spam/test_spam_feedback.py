"""Moderators' decisions reach every enabled learning check, each isolated: one check's
failure neither stops the others nor undoes the decision."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Site, SpamToken
from discuss.spam.registry import send_feedback


def test_failing_feedback_is_logged_and_the_decision_stands(plugin_module, app, make_site,
                                                            post_comment, caplog):
    make_site(spam_checks=[{"name": "faulty", "options": {"mode": "raise"}, "trial": True},
                           {"name": "bayes", "trial": True},
                           {"name": "honeypot"}])
    comment_id = post_comment("Cheap casino bonus").get_json()["comment"]["id"]
    with app.app_context(), caplog.at_level(logging.ERROR, logger="discuss.spam.registry"):
        comment = db.session.get(Comment, comment_id)
        comment.status = CommentStatus.SPAM  # the moderator's decision, same transaction
        send_feedback(db.session.query(Site).filter_by(slug="news").one(), comment, True)
        db.session.commit()
    assert f"spam check faulty: feedback on comment {comment_id} failed" in caplog.text
    assert "RuntimeError: could not learn" in caplog.text
    with app.app_context():
        assert db.session.get(Comment, comment_id).status is CommentStatus.SPAM
        learned = db.session.execute(
            sa.select(SpamToken.token, SpamToken.spam).where(SpamToken.token.in_(["", "casino"]))
            .order_by(SpamToken.token)).all()
    assert learned == [("", 1), ("casino", 1)]  # bayes (on trial) still learned


def test_checks_not_enabled_learn_nothing(app, make_site, post_comment):
    make_site(spam_checks=[{"name": "honeypot"}])
    comment_id = post_comment("Cheap casino bonus").get_json()["comment"]["id"]
    with app.app_context():
        send_feedback(db.session.query(Site).filter_by(slug="news").one(),
                      db.session.get(Comment, comment_id), True)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SpamToken)) == 0


def _learned(app) -> list[tuple[str, int, int]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(SpamToken.token, SpamToken.spam, SpamToken.ham)
            .where(SpamToken.token.in_(["", "casino"])).order_by(SpamToken.token))]


def test_decisions_through_the_moderation_api_are_learned(app, client, make_site, post_comment):
    """The decision is committed first, then the learning is committed on its own."""
    from discuss.services import accounts

    make_site(spam_checks=[{"name": "bayes"}])
    with app.app_context():
        key = accounts.create_api_key("news")[1]
    comment_id = post_comment("Cheap casino bonus for everyone").get_json()["comment"]["id"]
    answer = client.post(f"/api/v1/moderation/comments/{comment_id}", json={"action": "spam"},
                         headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.get_json()
    assert _learned(app) == [("", 1, 0), ("casino", 1, 0)]


@pytest.mark.parametrize("bayes_from_the_start", [True, False])
def test_a_reversed_decision_moves_the_document_instead_of_counting_it_twice(
        app, client, make_site, post_comment, store_site_checks, bayes_from_the_start):
    """Also when the comment came in before bayes was switched on: it has no bayes verdict,
    what bayes is taught is still remembered, and moderators see only the check results."""
    from discuss.services import accounts

    with_bayes = [{"name": "honeypot"}, {"name": "bayes"}]
    make_site(spam_checks=with_bayes if bayes_from_the_start else [{"name": "honeypot"}])
    comment_id = post_comment("Cheap casino bonus for everyone").get_json()["comment"]["id"]
    store_site_checks(with_bayes)
    with app.app_context():
        key = accounts.create_api_key("news")[1]
    headers = {"Authorization": f"Bearer {key}"}
    for action, learned in (("spam", (1, 0)), ("ham", (0, 1)), ("spam", (1, 0))):
        answer = client.post(f"/api/v1/moderation/comments/{comment_id}",
                             json={"action": action}, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        assert _learned(app) == [("", *learned), ("casino", *learned)], action
    shown = [c["check"] for c in answer.get_json()["checks"]]
    assert shown == (["honeypot", "bayes"] if bayes_from_the_start else ["honeypot"])
    again = client.post(f"/api/v1/moderation/comments/{comment_id}", json={"action": "spam"},
                        headers=headers)
    assert again.status_code == 409  # already spam: refused, and nothing learned twice
    assert _learned(app) == [("", 1, 0), ("casino", 1, 0)]
