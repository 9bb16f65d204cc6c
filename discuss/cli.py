"""The ``discuss`` command: a Flask CLI group over the app factory; each command calls a service."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from discuss.errors import DomainError
from discuss.services import demo, sites


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in getattr(error, "errors", {}).items())
    raise click.ClickException(f"{error.detail} {details}".strip())


@click.group("sites")
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
@click.option("--origin", "origins", multiple=True, help="Extra origin allowed to embed the demo.")
def demo_command(origins: tuple[str, ...]) -> None:
    """Add the demo site with a sample article and comments."""
    site = demo.seed_demo(list(origins) + demo.DEMO_ORIGINS if origins else None)
    click.echo(f"demo site ready: {site.slug} (open /demo)")


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(sites_group)
    app.cli.add_command(demo_command)
    from discuss.cli_accounts import keys_group, users_group

    app.cli.add_command(users_group)
    app.cli.add_command(keys_group)


def _create_app() -> Flask:
    from discuss import create_app

    return create_app()


main = FlaskGroup(name="discuss", create_app=_create_app, help="discuss: comments for news sites")
