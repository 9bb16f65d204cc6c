"""Configuring a site's checks from the command line, and the defaults of a new site."""

from __future__ import annotations

import json

import pytest

from discuss.extensions import db
from discuss.models import Site
from discuss.spam.registry import DEFAULT_SITE_CHECKS


def _run(app, *args):
    with app.app_context():  # as the discuss command (a FlaskGroup) provides
        return app.test_cli_runner().invoke(args=list(args))


def _checks(app, slug="news"):
    with app.app_context():
        return db.session.query(Site).filter_by(slug=slug).one().spam_checks


def test_sites_create_and_demo_get_the_default_checks(app):
    assert _run(app, "sites", "create", "news", "--origin", "https://news.example").exit_code == 0
    assert _run(app, "demo").exit_code == 0
    names = [entry["name"] for entry in DEFAULT_SITE_CHECKS]
    assert names == ["honeypot", "timing", "links", "duplicate", "flood"]
    assert [e["name"] for e in _checks(app)] == names
    assert [e["name"] for e in _checks(app, "demo")] == names
    shown = _run(app, "sites", "checks", "news")
    assert shown.output.split() == [
        "honeypot", "acting", "timing", "acting", "links", "acting", "duplicate", "acting",
        "flood", "acting"]


def test_default_checks_hold_a_robot_and_let_a_reader_through(app, client, aged_token):
    _run(app, "sites", "create", "news", "--origin", "https://news.example")

    def post(token, **extra):
        return client.post("/api/v1/comments", json={
            "site": "news", "thread": "t", "body": "About the night ferry timetable.",
            "form_token": token, **extra})

    assert post(aged_token(30)).status_code == 201  # a reader who took half a minute
    assert post(aged_token(0), author_name="bot").status_code == 202  # too fast: timing
    assert post(aged_token(30), website="x").status_code == 202  # honeypot
    assert post(aged_token(30)).status_code == 202  # duplicate of the first
    assert post(aged_token(30), body="Five.").status_code == 201
    assert post(aged_token(30), body="Six.").status_code == 429  # flood: 5 per minute


def test_enable_options_trial_act_disable_unset(app, make_site):
    make_site(spam_checks=[{"name": "honeypot"}])
    result = _run(app, "sites", "checks", "news", "--enable", "links", "--option", "links.max=3",
                  "--trial", "bayes", "--option", "bayes.min_decisions=50",
                  "--enable", "blocklist", "--option", 'blocklist.spam=["casino", "/v[i1]agra/"]')
    assert result.exit_code == 0, result.output
    assert _checks(app) == [
        {"name": "honeypot", "options": {}, "trial": False},
        {"name": "links", "options": {"max": 3}, "trial": False},
        {"name": "blocklist", "options": {"spam": ["casino", "/v[i1]agra/"]}, "trial": False},
        {"name": "bayes", "options": {"min_decisions": 50}, "trial": True},
    ]
    assert "bayes        trial   {\"min_decisions\": 50}" in result.output

    result = _run(app, "sites", "checks", "news", "--act", "bayes", "--disable", "honeypot",
                  "--unset", "links.max")
    assert result.exit_code == 0, result.output
    assert [(e["name"], e["options"], e["trial"]) for e in _checks(app)] == [
        ("links", {}, False), ("blocklist", {"spam": ["casino", "/v[i1]agra/"]}, False),
        ("bayes", {"min_decisions": 50}, False)]


def test_replace_with_json_and_back_to_defaults(app, make_site):
    make_site()
    entries = [{"name": "first_time"}, {"name": "timing", "options": {"min_seconds": 5}}]
    result = _run(app, "sites", "checks", "news", "--json", json.dumps(entries))
    assert result.exit_code == 0, result.output
    assert _checks(app) == [{"name": "first_time", "options": {}, "trial": False},
                            {"name": "timing", "options": {"min_seconds": 5.0}, "trial": False}]
    assert _run(app, "sites", "checks", "news", "--defaults").exit_code == 0
    assert _checks(app) == list(DEFAULT_SITE_CHECKS)


@pytest.mark.parametrize(("args", "message"), [
    (["--enable", "nonesuch"], "Unknown check 'nonesuch'; installed checks: akismet,"),
    (["--enable", "links", "--option", 'links.max="3"'],
     "spam_checks[0].options.max: Not a valid integer."),
    (["--enable", "links", "--option", "links.most=3"],
     "spam_checks[0].options.most: Unknown field."),
    (["--option", "timing.min_seconds=5"], "'timing' is not enabled; enable it first."),
    (["--enable", "flood", "--option", "flood.limit=often"],
     "'often' is not a rate limit like '5 per minute;30 per hour'."),
    (["--enable", "akismet"], "akismet needs a key"),
    (["--json", "{not json"], "not JSON"),
    (["--json", '{"name": "links"}'], "spam_checks: Must be a list."),
    (["--option", "links"], "is not of the form CHECK.OPTION=VALUE"),
])
def test_mistakes_are_clear_errors_and_change_nothing(app, make_site, args, message):
    make_site(spam_checks=[])
    result = _run(app, "sites", "checks", "news", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert _checks(app) == []


def test_unknown_site_is_an_error(app):
    result = _run(app, "sites", "checks", "nowhere", "--enable", "links")
    assert result.exit_code != 0 and "No site named 'nowhere'" in result.output


def test_spam_list_shows_builtin_and_plugin_checks(third_party_checks, app):
    result = _run(app, "spam", "list")
    assert result.exit_code == 0, result.output
    assert "links  [discuss]  Holds comments with too many links." in result.output
    assert "    max (integer, default null): hold a comment with this many links" in result.output
    assert "bayes  [discuss, learns from moderators]" in result.output
    assert "shouting  [discuss-test-checks]  Holds comments written mostly in capital" in (
        result.output)
