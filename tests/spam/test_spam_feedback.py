"""Moderators' decisions reach every enabled learning check, each isolated: one check's
failure neither stops the others nor undoes the decision."""

from __future__ import annotations

import logging

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
