"""A check that raises, hangs, answers nonsense, is not installed or has broken options
holds the comment as pending with the reason: never a 500, never a publish, never lost."""

from __future__ import annotations

import logging
import threading

import pytest

from discuss.extensions import db
from discuss.spam.registry import BUILT_IN, load_checks
from tests.spam.spam_support import record

LOADED = {name: loaded.check for name, loaded in load_checks().items()}

# the smallest valid configuration of each built-in check
CONFIG = {name: {} for name in BUILT_IN} | {"akismet": {"key": "k", "api_url": "http://127.0.0.1:9"}}


@pytest.fixture
def app(make_app):
    """An app whose checks get 0.3 s before they count as timed out."""
    return make_app(spam_check_timeout_ms=300)


def _post(client, body="A calm and ordinary remark."):
    token = client.get("/api/v1/config?site=news&thread=t").get_json()["form_token"]
    return client.post("/api/v1/comments", json={"site": "news", "thread": "t", "body": body,
                                                 "form_token": token, "author_name": "R"})


def _site(app, checks):
    from discuss.services.sites import create_site

    with app.app_context():
        create_site("news", ["https://news.example"], "post", spam_checks=checks)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_builtin_check_that_raises_holds_with_reason(name, app, client,
                                                           stored, monkeypatch, caplog):
    _site(app, [{"name": name, "options": CONFIG[name]}])
    loaded = app.extensions["discuss.spam"].get(name)

    def broken(submission, context):
        raise ValueError(f"{name} lost its marbles")

    monkeypatch.setattr(loaded.check, "check", broken)
    with caplog.at_level(logging.ERROR, logger="discuss.spam.policy"):
        response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, name) == {"check": name, "verdict": "unsure", "score": 0.5,
                                     "trial": False,
                                     "reason": f"check failed: ValueError: {name} lost its marbles"}
    assert f"spam check {name} on site news failed" in caplog.text


POOLED = [name for name in BUILT_IN if not getattr(LOADED[name], "inline", False)]
INLINE = [name for name in BUILT_IN if name not in POOLED]


@pytest.mark.parametrize("name", INLINE)
def test_every_inline_builtin_check_that_raises_a_timeout_holds_with_reason(name, app, client,
                                                                            stored, monkeypatch):
    """A socket timeout inside a check raised where it runs, in the request's thread."""
    _site(app, [{"name": name, "options": CONFIG[name]}])
    loaded = app.extensions["discuss.spam"].get(name)

    def timed_out(submission, context):
        raise TimeoutError("socket read timed out")

    monkeypatch.setattr(loaded.check, "check", timed_out)
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, name)["reason"] == "check timed out after 0.3 s"


@pytest.mark.parametrize("name", POOLED)
def test_every_pooled_builtin_check_that_times_out_holds_with_reason(name, app, client,
                                                              stored, monkeypatch, caplog):
    _site(app, [{"name": name, "options": CONFIG[name]}])
    loaded = app.extensions["discuss.spam"].get(name)
    release = threading.Event()

    def hung(submission, context):
        release.wait(10)

    monkeypatch.setattr(loaded.check, "check", hung)
    try:
        with caplog.at_level(logging.WARNING, logger="discuss.spam.policy"):
            response = _post(client)
    finally:
        release.set()
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, name)["verdict"] == "unsure"
    assert record(records, name)["reason"] == "check timed out after 0.3 s"
    assert f"spam check {name} on site news timed out" in caplog.text


def test_the_default_checks_run_in_the_request_thread_and_others_in_the_pool(
        app, client, stored, monkeypatch):
    """Local, bounded checks skip the pool; a check that may wait (blocklist patterns,
    network services, third-party code) keeps its thread and its time limit."""
    from discuss.spam.registry import default_site_checks

    assert {entry["name"] for entry in default_site_checks()} <= set(INLINE)
    assert {"akismet", "blocklist", "bayes"} <= set(POOLED)
    checks = [dict(entry, options={"min_seconds": 0}) if entry["name"] == "timing" else entry
              for entry in default_site_checks()]  # a form sent at once is not a robot here
    _site(app, [*checks, {"name": "blocklist", "options": {}}])
    registry = app.extensions["discuss.spam"]
    threads: dict[str, str] = {}
    for name in ("honeypot", "links", "blocklist"):
        original = registry.get(name).check.check

        def watched(submission, context, name=name, original=original):
            threads[name] = threading.current_thread().name
            return original(submission, context)

        monkeypatch.setattr(registry.get(name).check, "check", watched)
    response = _post(client)
    assert response.status_code == 201
    assert threads["honeypot"] == threads["links"] == threading.current_thread().name
    assert threads["blocklist"].startswith("spam-check")
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "approved"
    assert [r["check"] for r in records] == [e["name"] for e in default_site_checks()] + [
        "blocklist"]


def test_a_third_party_check_cannot_opt_out_of_the_time_limit(plugin_module, app, client,
                                                              stored, monkeypatch):
    """Only built-in checks may run inline: a plugin that claims to is still pooled."""
    _site(app, [{"name": "faulty", "options": {"mode": "hang"}}])
    monkeypatch.setattr(type(app.extensions["discuss.spam"].get("faulty").check), "inline",
                        True, raising=False)
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert record(records, "faulty")["reason"] == "check timed out after 0.3 s"


def test_a_check_on_trial_runs_in_the_pool_under_the_time_limit(app, client, stored,
                                                                monkeypatch):
    """A trial is an experiment: even an inline built-in is isolated while on trial."""
    _site(app, [{"name": "links", "options": {}, "trial": True}])
    release = threading.Event()
    monkeypatch.setattr(app.extensions["discuss.spam"].get("links").check, "check",
                        lambda submission, context: release.wait(10))
    try:
        response = _post(client)
    finally:
        release.set()
    assert response.status_code == 201  # a trial never acts
    status, records = stored(response.get_json()["comment"]["id"])
    assert (status, record(records, "links")["reason"]) == (
        "approved", "check timed out after 0.3 s")


def test_inline_check_whose_query_fails_holds_and_the_comment_is_stored(
        app, client, stored, monkeypatch):
    """An inline check shares the request's transaction: its failed query must not take
    the comment down with it (PostgreSQL refuses every statement after an error)."""
    import sqlalchemy as sa

    _site(app, [{"name": "duplicate", "options": {}}])
    check = app.extensions["discuss.spam"].get("duplicate").check

    def broken_query(submission, context):
        db.session.execute(sa.text("SELECT no_such_column FROM no_such_table"))

    monkeypatch.setattr(check, "check", broken_query)
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, "duplicate")["reason"].startswith("check failed: OperationalError"
                                                            ) or record(records, "duplicate")[
        "reason"].startswith("check failed: ProgrammingError")


@pytest.mark.parametrize("name", [n for n in BUILT_IN if n not in ("honeypot", "first_time")])
def test_broken_stored_options_hold_with_reason(name, app, client, stored, store_site_checks):
    """Options stored before an upgrade changed their meaning are caught at comment time."""
    _site(app, [])
    store_site_checks([{"name": name, "options": {"no_such_option": 1}}])
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, name)["reason"].startswith("invalid options: ")
    assert "no_such_option" in record(records, name)["reason"]


def test_check_no_longer_installed_holds(app, client, stored, store_site_checks):
    _site(app, [])
    store_site_checks([{"name": "uninstalled_plugin", "options": {}}])
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, "uninstalled_plugin")["reason"] == (
        "check 'uninstalled_plugin' is not installed")


@pytest.mark.parametrize(("mode", "reason"), [
    ("raise", "check failed: RuntimeError: database of bad words is missing"),
    ("hang", "check timed out after 0.3 s"),
    ("nonsense", "check gave no verdict"),
])
def test_third_party_check_failures_hold(mode, reason, plugin_module, app, client,
                                         stored):
    _site(app, [{"name": "faulty", "options": {"mode": mode}}, {"name": "honeypot"}])
    response = _post(client)
    assert response.status_code == 202
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "pending"
    assert record(records, "faulty")["reason"] == reason
    assert record(records, "honeypot")["verdict"] == "ham"  # the others still ran


def test_failing_trial_check_is_recorded_but_does_not_hold(plugin_module, app,
                                                           client, stored):
    _site(app, [{"name": "faulty", "options": {"mode": "raise"}, "trial": True}])
    response = _post(client)
    assert response.status_code == 201
    status, records = stored(response.get_json()["comment"]["id"])
    assert status == "approved"
    assert record(records, "faulty")["trial"] is True
    assert record(records, "faulty")["verdict"] == "unsure"
