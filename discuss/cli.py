"""The ``discuss`` command: a Flask CLI group over the app factory; each command calls a service."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from discuss.errors import DomainError
from discuss.services import demo, privacy, sites


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in getattr(error, "errors", {}).items())
    raise click.ClickException(f"{error.detail} {details}".strip())


@click.group("sites", cls=AppGroup)
def sites_group() -> None:
    """Manage sites (tenants)."""


@sites_group.command("create")
@click.argument("slug")
@click.option("--origin", "origins", multiple=True, help="Allowed origin, e.g. https://news.example")
@click.option("--moderation", type=click.Choice(["pre", "post"]), default="post", show_default=True)
@click.option("--name", default=None, help="Display name of the site.")
def create_site_command(slug: str, origins: tuple[str, ...], moderation: str,
                        name: str | None) -> None:
    """Add a site."""
    try:
        site = sites.create_site(slug, origins, moderation, name)
    except DomainError as error:
        _fail(error)
    click.echo(f"created site {site.slug} ({site.moderation.value}-moderation)")


@click.command("demo")
@with_appcontext
@click.option("--origin", "origins", multiple=True, help="Extra origin allowed to embed the demo.")
def demo_command(origins: tuple[str, ...]) -> None:
    """Add the demo site with a sample article and comments."""
    site = demo.seed_demo(list(origins) + demo.DEMO_ORIGINS if origins else None)
    click.echo(f"demo site ready: {site.slug} (open /demo)")


@click.group("privacy", cls=AppGroup)
def privacy_group() -> None:
    """Personal data: retention and erasure."""


@privacy_group.command("retention")
def retention_command() -> None:
    """Anonymise old IPs and purge old spam, per DISCUSS_IP_ANONYMIZE_DAYS / _SPAM_RETENTION_DAYS.

    Run it daily from cron or a systemd timer.
    """
    settings = current_app.config["DISCUSS"]
    report = privacy.apply_retention(settings.ip_anonymize_days, settings.spam_retention_days)
    click.echo(f"anonymised {report.anonymised} comment(s); purged {report.purged_spam} spam")


@privacy_group.command("erase")
@click.option("--email", required=True, help="The author's email address.")
@click.option("--delete-comments", is_flag=True, help="Withdraw their comments as well.")
def erase_command(email: str, delete_comments: bool) -> None:
    """Erase one person's personal data from every comment they wrote."""
    try:
        count = privacy.erase_person(email, delete_comments)
    except DomainError as error:
        _fail(error)
    click.echo(f"erased personal data from {count} comment(s)")


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    from discuss.cli_spam import checks_command, spam_group

    sites_group.add_command(checks_command)
    app.cli.add_command(sites_group)
    app.cli.add_command(spam_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(privacy_group)


def _create_app() -> Flask:
    from discuss import create_app

    return create_app()


main = FlaskGroup(name="discuss", create_app=_create_app, help="discuss: comments for news sites")
