"""The ``discuss`` command: sites and the demo, through the real CLI runner."""

from __future__ import annotations

import sqlalchemy as sa

from discuss.cli import main
from discuss.extensions import db
from discuss.models import Site


def test_sites_create_and_refusals(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sites", "create", "courier", "--origin",
                                 "https://courier.example", "--origin", "https://m.courier.example/",
                                 "--moderation", "pre"])
    assert result.exit_code == 0, result.output
    assert "created site courier" in result.output
    with app.app_context():
        site = db.session.scalars(sa.select(Site).where(Site.slug == "courier")).one()
        assert site.origins == ["https://courier.example", "https://m.courier.example"]
        assert site.moderation.value == "pre"
    again = runner.invoke(args=["sites", "create", "courier"])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(args=["sites", "create", "Bad Slug!"])
    assert bad.exit_code != 0 and "slug" in bad.output
    newline = runner.invoke(args=["sites", "create", "courier2\n"])  # "$" would allow it
    assert newline.exit_code != 0 and "slug" in newline.output
    bad_origin = runner.invoke(args=["sites", "create", "ok", "--origin", "javascript:x"])
    assert bad_origin.exit_code != 0 and "origin" in bad_origin.output


def test_demo_seeds_a_readable_thread_once(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    from discuss.services.demo import DEMO_THREAD

    body = client.get(f"/api/v1/comments?site=demo&thread={DEMO_THREAD}").get_json()
    assert body["thread"]["comment_count"] == 6
    assert len(body["comments"]) == 3
    assert body["comments"][0]["replies"][0]["replies"][0]["depth"] == 2


def test_command_group_lists_the_commands(app):
    from discuss.schema_migrations import enable_migrations

    enable_migrations(app)  # as the command's own app factory does
    result = app.test_cli_runner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "sites", "demo", "run"):
        assert command in result.output
