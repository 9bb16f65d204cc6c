"""``discuss users`` and ``discuss keys``: moderator accounts and API keys from the shell."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from discuss.cli_errors import fail
from discuss.errors import DomainError
from discuss.models import Role
from discuss.services import accounts, actors


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Manage moderator and admin accounts."""


@users_group.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="An administrator of every site.")
@click.option("--site", "sites", multiple=True, metavar="SLUG",
              help="A site this moderator may moderate (repeatable).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of prompting.")
def create_user_command(name: str, admin: bool, sites: tuple[str, ...],
                        password_stdin: bool) -> None:
    """Add a moderator (--site SLUG…) or an admin (--admin)."""
    if admin == bool(sites):
        raise click.UsageError("Give either --admin or at least one --site SLUG.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(name, password, Role.ADMIN if admin else Role.MODERATOR,
                                    sites)
    except DomainError as error:
        fail(error)
    scope = "all sites" if user.is_admin else ", ".join(s.slug for s in user.sites)
    click.echo(f"created {user.role.value} {user.name} ({scope})")


@users_group.command("list")
def list_users_command() -> None:
    """Show every account."""
    for user in accounts.list_users(actors.SYSTEM):
        scope = "all sites" if user.is_admin else ", ".join(s.slug for s in user.sites)
        state = "" if user.active else " [inactive]"
        click.echo(f"{user.name}\t{user.role.value}\t{scope}{state}")


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Manage API keys for the moderation API."""


@keys_group.command("create")
@click.option("--site", default=None, metavar="SLUG", help="Limit the key to one site.")
@click.option("--label", default="", help="What the key is for.")
def create_key_command(site: str | None, label: str) -> None:
    """Print a new API key; it is shown only this once."""
    try:
        key, secret = accounts.create_api_key(site, label)
    except DomainError as error:
        fail(error)
    click.echo(secret)
    click.echo(f"key {key.prefix}… for {key.scope if site else 'all sites'}; store it now, "
               "it cannot be shown again", err=True)


@keys_group.command("list")
def list_keys_command() -> None:
    """Show every key by its prefix (never the secret)."""
    for key in accounts.list_api_keys(actors.SYSTEM):
        state = " [revoked]" if key.revoked_at else ""
        click.echo(f"{key.id}\t{key.prefix}…\t{key.scope}\t{key.label}{state}")


@keys_group.command("revoke")
@click.argument("key_id", type=int)
def revoke_key_command(key_id: int) -> None:
    """Stop a key working."""
    try:
        key = accounts.revoke_api_key(actors.SYSTEM, key_id)
    except DomainError as error:
        fail(error)
    click.echo(f"revoked {key.prefix}…")
