"""Checks are found through the entry-point group; broken plugins stop start-up by name;
a site's check list is validated before it is stored."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from discuss import create_app
from discuss.errors import Invalid
from discuss.spam.registry import BUILT_IN, SpamPluginError, current_registry, validate_site_checks


def test_builtins_are_registered_as_entry_points(app):
    registry = app.extensions["discuss.spam"]
    assert set(BUILT_IN) <= set(registry.names)
    assert {registry.get(name).package for name in BUILT_IN} == {"discuss"}


def test_third_party_check_installed_with_pip_runs(third_party_checks, app, make_site,
                                                    post_comment, stored):
    registry = app.extensions["discuss.spam"]
    assert registry.get("shouting").package == "discuss-test-checks"
    make_site(spam_checks=[{"name": "shouting", "options": {"ratio": 0.6}}])
    calm = post_comment("I read the article and I think the council is right.")
    loud = post_comment("THE COUNCIL IS LYING TO ALL OF YOU, WAKE UP PEOPLE!")
    assert calm.status_code == 201
    assert loud.status_code == 202
    status, records = stored(loud.get_json()["comment"]["id"])
    assert status == "pending"
    assert records == [{"check": "shouting", "verdict": "unsure", "score": pytest.approx(1.0),
                        "reason": "100% capital letters", "trial": False}]


def _fake_distribution(root: Path, name: str, entry_points: str, module: str = "",
                       module_name: str = "") -> None:
    """A distribution as pip leaves it: a dist-info folder with METADATA and entry_points."""
    dist = root / f"{name.replace('-', '_')}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    if module_name:
        (root / f"{module_name}.py").write_text(textwrap.dedent(module))


@pytest.fixture
def start_app(tmp_path, database_url):
    def start():
        return create_app({"database_url": database_url, "secret_key": "s" * 32,
                           "instance_path": str(tmp_path / "instance")})

    return start


def test_plugin_that_fails_to_import_stops_startup_naming_its_package(tmp_path, monkeypatch,
                                                                      start_app):
    _fake_distribution(tmp_path / "site", "broken-discuss-check", """
        [discuss.spam_checks]
        broken = broken_discuss_check:BrokenCheck
        """, "import a_module_that_is_not_installed\n", "broken_discuss_check")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(SpamPluginError) as failure:
        start_app()
    message = str(failure.value)
    assert "'broken-discuss-check'" in message
    assert "a_module_that_is_not_installed" in message


def test_plugin_without_check_method_stops_startup(tmp_path, monkeypatch, start_app):
    _fake_distribution(tmp_path / "site", "lazy-discuss-check", """
        [discuss.spam_checks]
        lazy = lazy_discuss_check:Lazy
        """, "class Lazy:\n    name = 'lazy'\n", "lazy_discuss_check")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(SpamPluginError, match="'lazy-discuss-check' has no check"):
        start_app()


def test_plugin_declaring_another_name_stops_startup(tmp_path, monkeypatch, start_app):
    _fake_distribution(tmp_path / "site", "confused-check", """
        [discuss.spam_checks]
        tidy = confused_check:Check
        """, "class Check:\n    name = 'messy'\n    def check(self, s, c):\n        pass\n",
        "confused_check")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(SpamPluginError, match="'confused-check' declares name 'messy'"):
        start_app()


def test_plugin_taking_a_builtin_name_stops_startup_naming_both(tmp_path, monkeypatch,
                                                                start_app):
    _fake_distribution(tmp_path / "site", "evil-links", """
        [discuss.spam_checks]
        links = evil_links:Links
        """, "class Links:\n    name = 'links'\n    def check(self, s, c):\n        pass\n",
        "evil_links")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(SpamPluginError) as failure:
        start_app()
    assert "'discuss'" in str(failure.value) and "'evil-links'" in str(failure.value)


@pytest.mark.parametrize(("checks", "errors"), [
    ([{"name": "nonesuch"}], {"spam_checks[0].name"}),
    ([{"name": "links", "options": {"max": "3"}}], {"spam_checks[0].options.max"}),
    ([{"name": "links", "options": {"maximum": 3}}], {"spam_checks[0].options.maximum"}),
    ([{"name": "links", "trial": "yes"}], {"spam_checks[0].trial"}),
    ([{"name": "links"}, {"name": "links"}], {"spam_checks[1].name"}),
    ([{"name": "honeypot", "options": {"field": "url"}}], {"spam_checks[0].options.field"}),
    ([{"name": "blocklist", "options": {"spam": ["/(oops/"]}}],
     {"spam_checks[0].options.spam"}),
    ([{"name": "timing", "options": {"min_seconds": 90, "max_seconds": 60}}],
     {"spam_checks[0].options"}),
    ([{"name": "flood", "options": {"limit": "lots"}}], {"spam_checks[0].options.limit"}),
    ([{"name": "akismet"}], {"spam_checks[0].options"}),
    ([{"name": "bayes", "options": {"threshold": 2}}], {"spam_checks[0].options.threshold"}),
    (["links"], {"spam_checks[0]"}),
    ([{"name": "links", "enabled": True}], {"spam_checks[0]"}),
])
def test_bad_site_check_lists_are_clear_field_errors(app, checks, errors):
    with app.app_context(), pytest.raises(Invalid) as failure:
        validate_site_checks(checks)
    assert set(failure.value.errors) == errors
    assert all(failure.value.errors.values())


def test_valid_list_is_cleaned_for_storage(app):
    with app.app_context():
        cleaned = validate_site_checks([
            {"name": "links", "options": {"max": 3}},
            {"name": "bayes", "trial": True},
            {"name": "blocklist", "options": {"hold": ["casino", "198.51.100.0/24"]}},
        ])
        assert current_registry() is app.extensions["discuss.spam"]
    assert cleaned == [
        {"name": "links", "options": {"max": 3}, "trial": False},
        {"name": "bayes", "options": {}, "trial": True},
        {"name": "blocklist", "options": {"hold": ["casino", "198.51.100.0/24"]}, "trial": False},
    ]
