"""The akismet check against a stand-in Akismet server on 127.0.0.1 that speaks the
documented protocol: verdicts, the discard tip, invalid keys, timeouts and errors (held,
never published unchecked, never lost), and moderators' corrections sent back."""

from __future__ import annotations

import logging
import socket

import pytest

from discuss.extensions import db
from discuss.models import Comment, Site
from discuss.spam.registry import send_feedback
from tests.spam.akismet_standin import THANKS, VALID_KEY
from tests.spam.spam_support import record


def _akismet(server, **options):
    return {"name": "akismet", "options": {"key": VALID_KEY, "api_url": server.url, **options}}


def _outcome(response, stored):
    status, records = stored(response.get_json()["comment"]["id"])
    found = record(records, "akismet")
    return status, found["verdict"], found["reason"]


def test_ham_is_published_and_akismet_got_the_documented_fields(make_site, post_comment,
                                                                 stored, akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    response = post_comment("The ferry is back, good news.", author_email="ana@example.org",
                            author_url="https://ana.example.org", thread_url="https://news.example/a",
                            ip="198.51.100.4")
    assert response.status_code == 201
    assert _outcome(response, stored) == ("approved", "ham", "Akismet: not spam")
    [sent] = akismet_server.calls("comment-check")
    assert sent["api_key"] == VALID_KEY
    assert sent["blog"] == "https://news.example"  # the site's first origin
    assert sent["user_ip"] == "198.51.100.4"
    assert sent["comment_type"] == "comment"
    assert sent["comment_content"] == "The ferry is back, good news."
    assert sent["comment_author"] == "Reader"
    assert sent["comment_author_email"] == "ana@example.org"
    assert sent["comment_author_url"] == "https://ana.example.org"
    assert sent["permalink"] == "https://news.example/a"
    assert sent["blog_charset"] == "UTF-8" and sent["blog_lang"] == "en"
    assert sent["user_agent"]


def test_spam_answer_marks_spam(make_site, post_comment, stored, akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    response = post_comment("Buy now", author_name="viagra-test-123")
    assert response.status_code == 202
    assert _outcome(response, stored) == ("spam", "spam", "Akismet: spam")


def test_discard_tip_is_blatant_spam_still_stored(make_site, post_comment, stored,
                                                  akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    response = post_comment("Buy now", author_name="akismet-discard-test")
    assert response.status_code == 202
    assert _outcome(response, stored) == (
        "spam", "spam", "Akismet: blatant spam (pro-tip: discard)")


def test_replies_are_sent_as_replies(make_site, post_comment, akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    parent = post_comment("Root").get_json()["comment"]["id"]
    assert post_comment("A reply", parent_id=parent).status_code == 201
    assert [c["comment_type"] for c in akismet_server.calls("comment-check")] == [
        "comment", "reply"]


def test_key_and_api_url_from_settings(make_app, akismet_server, stored):
    app = make_app(akismet_key=VALID_KEY, akismet_api_url=akismet_server.url)
    from discuss.services.sites import create_site

    with app.app_context():
        create_site("news", ["https://news.example"], spam_checks=[{"name": "akismet"}])
    client = app.test_client()
    token = client.get("/api/v1/config?site=news&thread=t").get_json()["form_token"]
    response = client.post("/api/v1/comments", json={"site": "news", "thread": "t",
                                                     "body": "hello", "form_token": token})
    assert response.status_code == 201
    assert akismet_server.calls("comment-check")[0]["api_key"] == VALID_KEY


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize(("mode", "reason"), [
    ("slow", "Akismet could not be asked: Akismet timed out."),
    ("error", "Akismet could not be asked: Akismet responded with error status: 500"),
    ("garbage", "Akismet gave an answer outside its protocol"),
    ("bad-key", "Akismet rejected the API key or blog URL (answer 'invalid')"),
    ("down", "Akismet could not be asked: Error making request to Akismet."),
])
def test_every_akismet_failure_holds_the_comment(make_site, post_comment, stored,
                                                 akismet_server, mode, reason, caplog):
    options = {"timeout": 0.2}
    if mode == "bad-key":
        options["key"] = "wrong-key"
    elif mode == "down":
        options["api_url"] = _closed_port_url()
    else:
        akismet_server.mode = mode
    make_site(spam_checks=[_akismet(akismet_server, **options)])
    with caplog.at_level(logging.WARNING, logger="discuss.spam.checks.akismet"):
        response = post_comment("Is this spam?")
    assert response.status_code == 202
    assert _outcome(response, stored) == ("pending", "unsure", reason)
    assert "akismet" in caplog.text


def _decide(app, comment_id: int, is_spam: bool) -> None:
    """What the moderation service does on a spam/ham/approve decision."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        site = db.session.query(Site).filter_by(slug="news").one()
        send_feedback(site, comment, is_spam)
        db.session.commit()


def test_moderators_corrections_go_back_to_akismet(app, make_site, post_comment,
                                                    akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    missed = post_comment("Sneaky advert").get_json()["comment"]["id"]
    wrong = post_comment("My honest view", author_name="viagra-test-123").get_json()
    agreed = post_comment("Plain", author_name="viagra-test-123").get_json()["comment"]["id"]

    _decide(app, missed, is_spam=True)
    _decide(app, wrong["comment"]["id"], is_spam=False)
    _decide(app, agreed, is_spam=True)  # Akismet already said spam: nothing to teach

    [spam] = akismet_server.calls("submit-spam")
    [ham] = akismet_server.calls("submit-ham")
    assert spam["comment_content"] == "Sneaky advert" and spam["user_ip"] == "192.0.2.1"
    assert ham["comment_content"] == "My honest view" and ham["api_key"] == VALID_KEY


def test_reversed_decisions_are_reported_again(app, make_site, post_comment, akismet_server):
    """Whatever Akismet holds (its verdict, else what it was last told), a decision that
    differs is reported and one that agrees is not; a comment from before Akismet was
    switched on is taught, and untaught, the same way."""
    make_site(spam_checks=[_akismet(akismet_server)])
    said_ham = post_comment("Checked on arrival").get_json()["comment"]["id"]
    said_spam = post_comment("Flagged on arrival",
                             author_name="viagra-test-123").get_json()["comment"]["id"]

    def switch_akismet(on: bool) -> None:
        with app.app_context():
            site = db.session.query(Site).filter_by(slug="news").one()
            site.spam_checks = [_akismet(akismet_server)] if on else []
            db.session.commit()

    switch_akismet(False)
    unseen = post_comment("Before Akismet").get_json()["comment"]["id"]
    unseen_ham = post_comment("Also before Akismet").get_json()["comment"]["id"]
    switch_akismet(True)
    decisions = {said_ham: (True, True, False, True),  # the second "spam" is nothing new
                 said_spam: (False, True, True),
                 unseen: (True, False),
                 unseen_ham: (False,)}  # Akismet holds nothing: no mistake to report
    for comment_id, verdicts in decisions.items():
        for is_spam in verdicts:
            _decide(app, comment_id, is_spam=is_spam)
    told = sorted((call["comment_content"], kind) for kind in ("submit-spam", "submit-ham")
                  for call in akismet_server.calls(kind))
    assert told == sorted([("Checked on arrival", "submit-spam")] * 2
                          + [("Checked on arrival", "submit-ham")]
                          + [("Flagged on arrival", "submit-ham"),
                             ("Flagged on arrival", "submit-spam")]
                          + [("Before Akismet", "submit-spam"),
                             ("Before Akismet", "submit-ham")])


def test_unreachable_akismet_does_not_break_a_decision(app, make_site, post_comment,
                                                       akismet_server, caplog):
    make_site(spam_checks=[_akismet(akismet_server)])
    comment_id = post_comment("Sneaky advert").get_json()["comment"]["id"]
    akismet_server.mode = "error"
    with caplog.at_level(logging.ERROR, logger="discuss.spam.registry"):
        _decide(app, comment_id, is_spam=True)
    assert "spam check akismet: feedback on comment" in caplog.text


def test_verify_key_from_the_command_line(app, make_site, akismet_server):
    make_site(spam_checks=[_akismet(akismet_server)])
    result = app.test_cli_runner().invoke(args=["spam", "verify", "news"])
    assert result.exit_code == 0, result.output
    assert result.output == "akismet: ok: Akismet key is valid for https://news.example\n"
    assert akismet_server.calls("verify-key") == [{"key": VALID_KEY,
                                                  "blog": "https://news.example"}]

    make_site("gazette", spam_checks=[_akismet(akismet_server, key="stolen")])
    result = app.test_cli_runner().invoke(args=["spam", "verify", "gazette"])
    assert result.exit_code == 1
    assert "akismet: FAILED: Akismet says the key is invalid" in result.output


def test_standin_speaks_the_submit_protocol(akismet_server):
    import httpx

    answer = httpx.post(f"{akismet_server.url}/1.1/submit-ham",
                        data={"api_key": VALID_KEY, "blog": "https://x.example",
                              "user_ip": "192.0.2.1"})
    assert answer.text == THANKS
