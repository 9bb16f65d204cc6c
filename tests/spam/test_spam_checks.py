"""What each local built-in check catches and what it lets through, seen through the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Comment, utcnow
from discuss.services.spam_data import SqlCheckData
from tests.spam.spam_support import record


def _verdict(response, stored, check):
    status, records = stored(response.get_json()["comment"]["id"])
    found = record(records, check)
    return status, found["verdict"], found["reason"]


# honeypot -------------------------------------------------------------------------------

def test_honeypot_catches_filled_hidden_field(make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "honeypot"}])
    response = post_comment("Nice article", website="https://cheap-pills.example")
    assert response.status_code == 202
    assert _verdict(response, stored, "honeypot") == (
        "spam", "spam", "the hidden 'website' field was filled in")


@pytest.mark.parametrize("website", [None, "", "   "])
def test_honeypot_lets_empty_hidden_field_through(make_site, post_comment, stored, website):
    make_site(spam_checks=[{"name": "honeypot"}])
    response = post_comment("Nice article", website=website)
    assert response.status_code == 201
    assert _verdict(response, stored, "honeypot")[:2] == ("approved", "ham")


# timing ---------------------------------------------------------------------------------

def test_timing_lets_a_reader_who_took_time_through(make_site, post_comment, stored,
                                                    aged_token):
    make_site(spam_checks=[{"name": "timing"}])
    response = post_comment("Read it twice, still agree.", form_token=aged_token(45))
    assert response.status_code == 201
    status, verdict, why = _verdict(response, stored, "timing")
    assert (status, verdict) == ("approved", "ham")
    assert re.fullmatch(r"sent 4[56] s after the form loaded", why)


@pytest.mark.parametrize(("token", "reason"), [
    ("fresh", r"sent [01]\.\d s after the form loaded \(minimum 3 s\)"),
    (None, "no form token: the form was not loaded from this site"),
    ("forged", "form token is forged, for another site or expired"),
    ("other-site", "form token is forged, for another site or expired"),
    ("two-days", "form token is forged, for another site or expired"),
])
def test_timing_holds_robots(make_site, post_comment, stored, aged_token, token, reason):
    make_site(spam_checks=[{"name": "timing"}])
    tokens = {"fresh": aged_token(0), None: None, "forged": aged_token(60)[:-3] + "abc",
              "other-site": aged_token(60, site="elsewhere"), "two-days": aged_token(2 * 86400)}
    response = post_comment("Quick!", form_token=tokens[token])
    assert response.status_code == 202
    status, verdict, why = _verdict(response, stored, "timing")
    assert (status, verdict) == ("pending", "unsure")
    assert re.fullmatch(reason, why) or why == reason


def test_timing_maximum_and_verdict_are_options(make_site, post_comment, stored, aged_token):
    make_site(spam_checks=[{"name": "timing",
                            "options": {"max_seconds": 3600, "verdict": "spam"}}])
    response = post_comment("Left the tab open.", form_token=aged_token(2 * 3600))
    assert _verdict(response, stored, "timing") == (
        "spam", "spam", "form loaded 2.0 h ago (maximum 1 h)")


def test_timing_minimum_is_an_option(make_site, post_comment, stored, aged_token):
    make_site(spam_checks=[{"name": "timing", "options": {"min_seconds": 60}}])
    response = post_comment("Fast typist.", form_token=aged_token(30))
    assert _verdict(response, stored, "timing")[:2] == ("pending", "unsure")


# links ----------------------------------------------------------------------------------

ONE = "Source: https://news.example.com/report"
TWO = "See https://a.example.com and [the map](https://b.example.org)."


def test_links_holds_at_the_sites_limit_like_wordpress(make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "links"}])  # the site's max_links: 2
    assert post_comment(ONE).status_code == 201
    response = post_comment(TWO)
    assert response.status_code == 202
    assert _verdict(response, stored, "links") == ("pending", "unsure", "2 links, holding at 2")


def test_links_limit_from_options_or_site_setting(make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "links", "options": {"max": 3}}])
    assert post_comment(TWO).status_code == 201
    make_site("strict", max_links=1, spam_checks=[{"name": "links"}])
    response = post_comment(ONE, site="strict")
    assert _verdict(response, stored, "links")[2] == "1 links, holding at 1"


def test_links_off_with_zero(make_site, post_comment):
    make_site(spam_checks=[{"name": "links", "options": {"max": 0}}])
    assert post_comment(TWO + " " + ONE).status_code == 201


# blocklist ------------------------------------------------------------------------------

BLOCKLIST = {"name": "blocklist", "options": {
    "spam": ["casino", "/v[i1]agra/", "@spam.example", "203.0.113.0/24"],
    "hold": ["refund", "Troll King", "198.51.100.7"],
}}


@pytest.mark.parametrize(("fields", "status", "reason"), [
    ({"body": "Best CASINOS online"}, "spam", "body matches spam list entry 'casino'"),
    ({"body": "cheap V1AGRA here"}, "spam", "body matches spam list entry '/v[i1]agra/'"),
    ({"author_email": "bob@spam.example"}, "spam",
     "email matches spam list entry '@spam.example'"),
    ({"ip": "203.0.113.77"}, "spam", "ip matches spam list entry '203.0.113.0/24'"),
    ({"body": "I want a refund"}, "pending", "body matches hold list entry 'refund'"),
    ({"author_name": "the troll king"}, "pending", "name matches hold list entry 'Troll King'"),
    ({"ip": "198.51.100.7"}, "pending", "ip matches hold list entry '198.51.100.7'"),
    ({"body": "casino refund"}, "spam", "body matches spam list entry 'casino'"),
])
def test_blocklist_catches(make_site, post_comment, stored, fields, status, reason):
    make_site(spam_checks=[BLOCKLIST])
    fields = {"body": "An ordinary comment.", **fields}
    response = post_comment(**fields)
    assert response.status_code == 202
    got_status, _, why = _verdict(response, stored, "blocklist")
    assert (got_status, why) == (status, reason)


@pytest.mark.parametrize("fields", [
    {"body": "Ferry times are in the council minutes."},
    {"author_email": "anna@news.example"},
    {"ip": "203.0.114.1"},
    {"ip": "198.51.100.70"},
])
def test_blocklist_lets_others_through(make_site, post_comment, stored, fields):
    make_site(spam_checks=[BLOCKLIST])
    fields = {"body": "An ordinary comment.", **fields}
    response = post_comment(**fields)
    assert response.status_code == 201
    assert _verdict(response, stored, "blocklist")[:2] == ("approved", "ham")


CATASTROPHIC = "/^(a|aa)+$/"  # backtracks through Fibonacci(n) paths on "aaa…a!"


def test_a_runaway_pattern_holds_the_comment_and_frees_its_thread(make_app):
    """With two check threads, two comments that a pattern cannot finish with must leave
    both threads free: the next comment gets every check's own verdict, not a time-out."""
    from discuss.extensions import db
    from discuss.models import Comment
    from discuss.services.sites import create_site

    app = make_app(spam_check_workers=2, spam_check_timeout_ms=20_000)
    with app.app_context():
        create_site("news", ["https://news.example"], "post", spam_checks=[
            {"name": "blocklist", "options": {"hold": [CATASTROPHIC, "refund"]}}])
        db.session.commit()
    client = app.test_client()
    token = client.get("/api/v1/config?site=news&thread=t").get_json()["form_token"]

    def post(body: str) -> tuple[int, str, dict]:
        response = client.post("/api/v1/comments", json={
            "site": "news", "thread": "t", "body": body, "form_token": token})
        with app.app_context():
            comment = db.session.get(Comment, response.get_json()["comment"]["id"])
            return response.status_code, comment.status.value, record(comment.checks,
                                                                      "blocklist")

    for n in range(2):
        code, status, found = post("a" * 60 + f"! attempt {n}")
        assert (code, status, found["verdict"]) == (202, "pending", "unsure")
        assert found["reason"] == (f"hold list entry '{CATASTROPHIC}' took longer than 0.2 s "
                                   "on the body; held until a moderator looks (the pattern "
                                   "needs simplifying)")
    code, _, found = post("I would like a refund.")
    assert (code, found["reason"]) == (202, "body matches hold list entry 'refund'")
    assert post("An ordinary comment.")[:2] == (201, "approved")


# duplicate ------------------------------------------------------------------------------

BODY = "The ferry timetable was published last week, check it."


def test_duplicate_catches_same_text_in_same_thread(make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "duplicate"}])
    assert post_comment(BODY).status_code == 201
    response = post_comment("  the FERRY timetable was published   last week, check it.  ")
    assert response.status_code == 202
    assert _verdict(response, stored, "duplicate") == (
        "spam", "spam", "same text already posted in this thread within 24 h")


def test_duplicate_verdict_can_be_hold(make_site, post_comment, stored):
    make_site(spam_checks=[{"name": "duplicate", "options": {"verdict": "unsure"}}])
    post_comment(BODY)
    assert _verdict(post_comment(BODY), stored, "duplicate")[:2] == ("pending", "unsure")


def test_duplicate_lets_through_other_threads_short_texts_and_new_text(make_site,
                                                                       post_comment):
    make_site(spam_checks=[{"name": "duplicate"}])
    assert post_comment(BODY).status_code == 201
    assert post_comment(BODY, thread="article-2").status_code == 201
    assert post_comment("Thanks!").status_code == 201
    assert post_comment("Thanks!").status_code == 201
    assert post_comment(BODY + " Really.").status_code == 201


def test_duplicate_looks_back_exactly_its_window(app, make_site, post_comment):
    """A copy ten seconds inside the window is a duplicate; one ten seconds outside it is
    not."""
    make_site(spam_checks=[{"name": "duplicate", "options": {"window_seconds": 600}}])
    first = post_comment(BODY).get_json()["comment"]["id"]

    def posted_ago(seconds: int) -> None:
        """Only the first comment, written ``seconds`` ago."""
        with app.app_context():
            db.session.execute(sa.delete(Comment).where(Comment.id != first))
            db.session.get(Comment, first).created_at = utcnow() - timedelta(seconds=seconds)
            db.session.commit()

    posted_ago(590)
    assert post_comment(BODY).status_code == 202
    posted_ago(610)
    assert post_comment(BODY).status_code == 201


def test_duplicate_count_takes_its_boundary_as_stored(app, make_site, post_comment):
    """A copy written at the very moment the window starts counts: the moment reaches the
    database in the form its timestamps are stored in (on SQLite, text compared as text)."""
    make_site(spam_checks=[])
    first = post_comment(BODY).get_json()["comment"]["id"]
    with app.app_context():
        comment = db.session.get(Comment, first)
        data = SqlCheckData(comment.thread.site_id)
        moment = comment.created_at
        assert data.count_same_body(comment.thread_id, comment.body_hash, moment) == 1
        later = moment + timedelta(microseconds=1)
        assert data.count_same_body(comment.thread_id, comment.body_hash, later) == 0


def test_duplicate_ignores_deleted_comments(make_site, post_comment, client):
    make_site(spam_checks=[{"name": "duplicate"}])
    first = post_comment(BODY).get_json()
    deleted = client.delete(f"/api/v1/comments/{first['comment']['id']}",
                            headers={"Authorization": f"Bearer {first['edit_token']}"})
    assert deleted.status_code == 204
    assert post_comment(BODY).status_code == 201


# first_time -----------------------------------------------------------------------------

def test_first_time_holds_newcomers_and_trusts_approved_authors(app, make_site, post_comment,
                                                                stored):
    make_site(spam_checks=[{"name": "first_time"}])
    first = post_comment("Hello, first time here.", author_email="ana@example.org")
    assert first.status_code == 202
    assert _verdict(first, stored, "first_time") == (
        "pending", "unsure", "first comment from this email address")
    anonymous = post_comment("No email from me.")
    assert _verdict(anonymous, stored, "first_time")[2] == (
        "no email given, so the author cannot be recognised")

    from discuss.extensions import db
    from discuss.models import Comment, CommentStatus

    with app.app_context():  # a moderator approves it (the moderation API does this)
        db.session.get(Comment, first.get_json()["comment"]["id"]).status = CommentStatus.APPROVED
        db.session.commit()
    again = post_comment("Back again.", author_email="ANA@example.org")
    assert again.status_code == 201
    assert _verdict(again, stored, "first_time") == (
        "approved", "ham", "author has an approved comment")


def test_first_time_is_off_by_default(make_site, post_comment):
    make_site(spam_checks=[{"name": "honeypot"}])
    assert post_comment("Hello", author_email="new@example.org").status_code == 201
