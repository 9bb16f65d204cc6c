"""The publishing policy: any spam → spam; any unsure or pre-moderation → pending; else
approved. Verdicts are stored with the comment; trial verdicts are stored but do not act."""

from __future__ import annotations

from tests.spam.spam_support import record

HONEYPOT = {"name": "honeypot"}
LINKS = {"name": "links", "options": {"max": 2}}
TWO_LINKS = "See https://a.example.com and https://b.example.org for more."


def test_all_ham_in_post_moderation_is_published(make_site, post_comment, stored):
    make_site(spam_checks=[HONEYPOT, LINKS])
    response = post_comment("A calm remark.")
    assert response.status_code == 201
    assert response.get_json()["status"] == "approved"
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "approved"
    assert [(r["check"], r["verdict"], r["trial"]) for r in records] == [
        ("honeypot", "ham", False), ("links", "ham", False)]
    assert record(records, "links")["reason"] == "0 links"


def test_unsure_holds_with_the_reason(make_site, post_comment, stored, client):
    make_site(spam_checks=[HONEYPOT, LINKS])
    response = post_comment(TWO_LINKS)
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, "links") == {"check": "links", "verdict": "unsure",
                                        "score": 0.6, "reason": "2 links, holding at 2",
                                        "trial": False}
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert listing["comments"] == []


def test_spam_is_stored_as_spam_but_answered_like_held(make_site, post_comment, stored):
    make_site(spam_checks=[HONEYPOT, LINKS])
    response = post_comment(TWO_LINKS, website="http://cheap.example")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending" and body["comment"]["status"] == "pending"
    status, records = stored(body["comment"]["id"])
    assert status == "spam"
    assert record(records, "honeypot")["verdict"] == "spam"
    assert record(records, "links")["verdict"] == "unsure"


def test_pre_moderation_holds_even_when_every_check_says_ham(make_site, post_comment, stored):
    make_site(moderation="pre", spam_checks=[HONEYPOT])
    response = post_comment("A calm remark.")
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, "honeypot")["verdict"] == "ham"


def test_no_checks_publishes_and_stores_no_records(make_site, post_comment, stored):
    make_site(spam_checks=[])
    response = post_comment(TWO_LINKS)
    assert response.status_code == 201
    assert stored(response.get_json()["comment"]["id"]) == ("approved", [])


def test_trial_verdicts_are_stored_but_do_not_act(make_site, post_comment, stored):
    make_site(spam_checks=[{**HONEYPOT, "trial": True}, {**LINKS, "trial": True}])
    response = post_comment(TWO_LINKS, website="http://cheap.example")
    assert response.status_code == 201
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "approved"
    assert record(records, "honeypot") == {
        "check": "honeypot", "verdict": "spam", "score": 1.0, "trial": True,
        "reason": "the hidden 'website' field was filled in"}
    assert record(records, "links")["trial"] is True


def test_trial_check_beside_acting_check(make_site, post_comment, stored):
    make_site(spam_checks=[HONEYPOT, {**LINKS, "trial": True}])
    held = post_comment(TWO_LINKS, website="x")
    assert stored(held.get_json()["comment"]["id"])[0] == "spam"
    published = post_comment(TWO_LINKS + " Again.")
    assert published.status_code == 201


def test_records_read_as_one_line_for_moderators():
    from discuss.spam.base import describe_record

    assert describe_record({"check": "links", "verdict": "unsure", "reason": "3 links, holding "
                            "at 2", "trial": False}) == "links: held: 3 links, holding at 2"
    assert describe_record({"check": "bayes", "verdict": "spam", "reason": "p 0.97",
                            "trial": True}) == "bayes (trial): would have marked spam: p 0.97"
    assert describe_record({"check": "honeypot", "verdict": "ham", "reason": "",
                            "trial": False}) == "honeypot: ok"
