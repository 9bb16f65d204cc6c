"""The bayes check learns from moderators' decisions (stored per site in the database),
has no effect until it has seen enough of them, and votes spam only when confident."""

from __future__ import annotations

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, Site, SpamToken
from discuss.spam.registry import send_feedback
from tests.spam.spam_support import record

SPAM = [
    "Cheap pills online, best casino bonus, click here to win money fast",
    "Win money fast with our casino bonus, cheap loans, click here now",
    "Best cheap pills, no prescription, click here, casino jackpot bonus",
    "Casino bonus for you: click here and win money, cheap pills inside",
    "Click here for cheap loans and a casino bonus, win money today",
]
HAM = [
    "The night ferry was always full on Fridays, glad it is back",
    "Does the council publish the ferry running costs anywhere?",
    "The harbour timetable says the last ferry leaves at midnight",
    "I used to take the ferry home from the theatre every week",
    "Good reporting, the council should review the ferry trial in public",
]


def _teach(app, post_comment, bodies, is_spam, site="news"):
    """Post each body and record a moderator's decision on it, as the moderation API will."""
    ids = [post_comment(body, site=site).get_json()["comment"]["id"] for body in bodies]
    with app.app_context():
        site_row = db.session.query(Site).filter_by(slug=site).one()
        for comment_id in ids:
            send_feedback(site_row, db.session.get(Comment, comment_id), is_spam)
        db.session.commit()


def _bayes(stored, response):
    status, records = stored(response.get_json()["comment"]["id"])
    return status, record(records, "bayes")


def test_no_effect_until_enough_decisions(app, make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "bayes", "options": {"min_decisions": 12}}])
    _teach(app, post_comment, SPAM, is_spam=True)
    _teach(app, post_comment, HAM, is_spam=False)
    response = post_comment("Cheap pills and casino bonus, click here to win money")
    assert response.status_code == 201
    status, verdict = _bayes(stored, response)
    assert (status, verdict["verdict"]) == ("approved", "ham")
    assert verdict["reason"] == "still learning: 10 of 12 decisions seen"


def test_learned_spam_is_caught_and_ham_let_through(app, make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "bayes", "options": {"min_decisions": 10}}])
    _teach(app, post_comment, SPAM, is_spam=True)
    _teach(app, post_comment, HAM, is_spam=False)

    spammy = post_comment("Click here: casino bonus and cheap pills, win money")
    assert spammy.status_code == 202
    status, verdict = _bayes(stored, spammy)
    assert status == "spam"
    assert verdict["score"] >= 0.9
    assert verdict["reason"].startswith("spam probability ")

    hammy = post_comment("Is the ferry timetable on the council website?")
    assert hammy.status_code == 201
    status, verdict = _bayes(stored, hammy)
    assert (status, verdict["verdict"]) == ("approved", "ham")
    assert verdict["score"] < 0.5


def test_unfamiliar_or_too_short_text_is_not_judged_spam(app, make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "bayes", "options": {"min_decisions": 10}}])
    _teach(app, post_comment, SPAM, is_spam=True)
    _teach(app, post_comment, HAM, is_spam=False)
    unfamiliar = post_comment("Lovely weather for sailing tomorrow")  # 'for' leans spam
    assert unfamiliar.status_code == 201
    assert _bayes(stored, unfamiliar)[1]["verdict"] == "ham"

    one_word = post_comment("Casino!")  # a strong word, but a single one
    assert one_word.status_code == 201
    status, verdict = _bayes(stored, one_word)
    assert verdict["score"] >= 0.9
    assert verdict["reason"].endswith("from too few telling words (1 of 3)")


def test_trial_mode_learns_and_reports_without_acting(app, make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "bayes", "options": {"min_decisions": 10}, "trial": True}])
    _teach(app, post_comment, SPAM, is_spam=True)
    _teach(app, post_comment, HAM, is_spam=False)
    response = post_comment("Click here: casino bonus and cheap pills, win money")
    assert response.status_code == 201
    status, verdict = _bayes(stored, response)
    assert status == "approved"
    assert (verdict["verdict"], verdict["trial"]) == ("spam", True)


def test_counts_are_kept_per_site_in_the_database(app, make_site, post_comment):
    make_site(spam_checks=[{"name": "bayes"}])
    make_site("gazette", spam_checks=[{"name": "bayes"}])
    _teach(app, post_comment, SPAM[:2], is_spam=True)
    _teach(app, post_comment, HAM[:1], is_spam=False, site="gazette")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Site.slug, SpamToken.token, SpamToken.spam, SpamToken.ham)
            .join(Site, Site.id == SpamToken.site_id)
            .where(SpamToken.token.in_(["", "casino", "ferry"]))
            .order_by(Site.slug, SpamToken.token)
        ).all()
    assert rows == [("gazette", "", 0, 1), ("gazette", "ferry", 0, 1),
                    ("news", "", 2, 0), ("news", "casino", 2, 0)]
