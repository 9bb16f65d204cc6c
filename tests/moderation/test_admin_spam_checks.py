"""A site's spam checks edited in the admin: a box per installed check, an input per option,
errors beside the input they concern, nothing stored until all of it is valid."""

from __future__ import annotations

import re

import pytest

from discuss.services.sites import get_site

SETTINGS = {"name": "The News", "moderation": "post", "max_depth": "3",
            "edit_window_seconds": "60", "max_links": "2", "auto_close_days": "",
            "flag_threshold": "4", "language": "en", "privacy_url": "",
            "origins": "https://news.example", "checks-editor": "1"}


@pytest.fixture
def admin(make_site, signed_in):
    make_site(spam_checks=[{"name": "links", "options": {"max": 3}},
                           {"name": "honeypot"},
                           {"name": "duplicate", "options": {"verdict": "unsure"}, "trial": True}])
    client, token = signed_in("boss", role="admin")
    return client, token


def stored_checks(app) -> list[dict]:
    with app.app_context():
        return get_site("news").spam_checks


def field_block(html: str, input_name: str) -> str:
    """The .field element holding one input, with its help and errors."""
    at = html.index(f'name="{input_name}"')
    start = html.rindex('<div class="field', 0, at)
    return html[start:html.index("</div>", at)]


def test_each_installed_check_shows_its_state_and_options(admin):
    client, _ = admin
    html = client.get("/admin/sites/news").get_data(as_text=True)
    names = re.findall(r'<span class="check-name">([\w-]+)</span>', html)
    assert names[:3] == ["links", "honeypot", "duplicate"]  # the site's order first
    assert set(names) >= {"timing", "blocklist", "flood", "bayes", "akismet", "first_time"}
    assert 'name="check.links.enabled" checked' in html
    assert 'name="check.duplicate.trial" checked' in html
    assert re.search(r'name="check.blocklist.enabled">', html)  # off
    assert 'value="3"' in field_block(html, "check.links.max")
    assert '<option value="unsure" selected>' in field_block(html, "check.duplicate.verdict")
    assert "<textarea" in field_block(html, "check.blocklist.spam")
    assert 'type="checkbox"' in field_block(html, "check.akismet.is_test")
    assert "hold a comment with this many links or more" in field_block(html, "check.links.max")
    assert "spam_checks" not in html  # no JSON box any more


def test_enabling_trialling_and_setting_options(admin, app):
    client, token = admin
    form = SETTINGS | {
        "csrf_token": token,
        "check.links.enabled": "on", "check.links.max": "5",
        "check.honeypot.enabled": "on",
        "check.duplicate.enabled": "on", "check.duplicate.verdict": "",  # back to the default
        "check.blocklist.enabled": "on",
        "check.blocklist.spam": "casino\r\n\r\n  /v[i1]agra/  \r\n",
        "check.blocklist.hold": "refund",
        "check.bayes.enabled": "on", "check.bayes.trial": "on", "check.bayes.threshold": "0.95",
        "check.akismet.is_test": "on",  # a disabled check's options are not stored
    }
    response = client.post("/admin/sites/news", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored_checks(app) == [
        {"name": "links", "options": {"max": 5}, "trial": False},
        {"name": "honeypot", "options": {}, "trial": False},
        {"name": "duplicate", "options": {}, "trial": False},
        {"name": "bayes", "options": {"threshold": 0.95}, "trial": True},
        {"name": "blocklist", "options": {"spam": ["casino", "/v[i1]agra/"],
                                          "hold": ["refund"]}, "trial": False},
    ]
    html = client.get("/admin/sites/news").get_data(as_text=True)
    assert "casino\n/v[i1]agra/" in field_block(html, "check.blocklist.spam")
    listing = client.get("/api/v1/moderation/sites/news").get_json()
    assert [c["name"] for c in listing["spam_checks"]] == [
        "links", "honeypot", "duplicate", "bayes", "blocklist"]


def test_turning_every_check_off(admin, app):
    client, token = admin
    response = client.post("/admin/sites/news", data=SETTINGS | {"csrf_token": token})
    assert response.status_code == 302
    assert stored_checks(app) == []


@pytest.mark.parametrize(("typed", "input_name", "message"), [
    ({"check.links.max": "many"}, "check.links.max", "Not a valid integer."),
    ({"check.links.max": "-1"}, "check.links.max", "greater than or equal to 0"),
    ({"check.blocklist.enabled": "on", "check.blocklist.hold": "/(oops/"},
     "check.blocklist.hold", "is not a valid regular expression"),
    ({"check.bayes.enabled": "on", "check.bayes.threshold": "2"},
     "check.bayes.threshold", "less than or equal to 1.0"),
    ({"check.links.max": "9" * 5000}, "check.links.max", "Not a valid integer."),
])
def test_a_bad_option_is_reported_beside_its_input_and_nothing_is_stored(
        admin, app, typed, input_name, message):
    client, token = admin
    before = stored_checks(app)
    form = SETTINGS | {"csrf_token": token, "check.links.enabled": "on",
                       "check.links.max": "3"} | typed
    response = client.post("/admin/sites/news", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    block = field_block(html, input_name)
    assert message in block and 'aria-invalid="true"' in block
    assert typed[input_name] in block  # what was typed is kept
    assert stored_checks(app) == before


def test_a_rule_about_the_whole_check_is_shown_on_its_box(admin, app):
    client, token = admin
    form = SETTINGS | {"csrf_token": token, "check.timing.enabled": "on",
                       "check.timing.min_seconds": "90", "check.timing.max_seconds": "60"}
    response = client.post("/admin/sites/news", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    box = html[html.index('id="ck-timing"'):]
    box = box[:box.index("</fieldset>")]
    assert 'role="alert"' in box
    assert stored_checks(app)[0]["name"] == "links"


def test_a_moderator_sees_the_checks_but_cannot_change_them(make_site, signed_in, app):
    make_site(spam_checks=[{"name": "links"}])
    moderator, token = signed_in("mod", sites=("news",))
    html = moderator.get("/admin/sites/news").get_data(as_text=True)
    assert "<fieldset disabled>" in html and 'name="check.links.enabled" checked' in html
    refused = moderator.post("/admin/sites/news", data=SETTINGS | {"csrf_token": token})
    assert refused.status_code == 403
    assert stored_checks(app) == [{"name": "links", "options": {}, "trial": False}]


def test_a_form_without_the_checks_leaves_them_alone(admin, app):
    client, token = admin
    before = stored_checks(app)
    form = {k: v for k, v in SETTINGS.items() if k != "checks-editor"}
    response = client.post("/admin/sites/news", data=form | {"csrf_token": token})
    assert response.status_code == 302
    assert stored_checks(app) == before


def test_a_check_no_longer_installed_is_taken_off_when_saving(admin, app):
    from discuss.extensions import db

    client, token = admin
    with app.app_context():
        site = get_site("news")
        site.spam_checks = [*site.spam_checks, {"name": "gone-plugin", "options": {},
                                                "trial": False}]
        db.session.commit()
    form = SETTINGS | {"csrf_token": token, "check.links.enabled": "on"}
    response = client.post("/admin/sites/news", data=form)
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&#39;gone-plugin&#39; is no longer installed" in shown
    assert [c["name"] for c in stored_checks(app)] == ["links"]
