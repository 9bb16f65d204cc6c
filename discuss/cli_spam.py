"""Commands for spam checks: ``discuss sites checks`` and the ``discuss spam`` group."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from discuss.cli_errors import fail
from discuss.errors import DomainError
from discuss.services import site_checks
from discuss.services.site_checks import ChecksChange
from discuss.spam.options import option_from_text


def _split_option(text: str, with_value: bool) -> tuple[str, ...]:
    target, sep, value = text.partition("=")
    check, dot, option = target.partition(".")
    if not (check and dot and option) or (with_value and not sep):
        form = "CHECK.OPTION=VALUE" if with_value else "CHECK.OPTION"
        raise click.BadParameter(f"{text!r} is not of the form {form}")
    if not with_value:
        return check, option
    return check.strip(), option.strip(), option_from_text(value)


def _show(entries: list[dict[str, Any]]) -> None:
    if not entries:
        click.echo("no spam checks enabled")
    for entry in entries:
        mode = "trial " if entry.get("trial") else "acting"
        options = json.dumps(entry.get("options") or {}, ensure_ascii=False)
        click.echo(f"{entry['name']:<12} {mode}  {options if options != '{}' else ''}".rstrip())


@click.command("checks")
@click.argument("slug")
@click.option("--enable", multiple=True, metavar="CHECK", help="Run this check (acting).")
@click.option("--trial", multiple=True, metavar="CHECK",
              help="Run this check on trial: verdicts are stored, nothing is held or refused.")
@click.option("--act", multiple=True, metavar="CHECK", help="Take this check off trial.")
@click.option("--disable", multiple=True, metavar="CHECK", help="Stop running this check.")
@click.option("--option", "options", multiple=True, metavar="CHECK.OPTION=VALUE",
              help="Set an option; VALUE is JSON (3, true, [\"a\",\"b\"]) or plain text.")
@click.option("--unset", multiple=True, metavar="CHECK.OPTION", help="Back to the default.")
@click.option("--json", "replace", default=None, metavar="JSON",
              help="Replace the whole list: [{\"name\": ..., \"options\": {...}, \"trial\": ...}]")
@click.option("--defaults", is_flag=True, help="Start again from the default checks.")
@with_appcontext
def checks_command(slug: str, enable: tuple[str, ...], trial: tuple[str, ...],
                   act: tuple[str, ...], disable: tuple[str, ...], options: tuple[str, ...],
                   unset: tuple[str, ...], replace: str | None, defaults: bool) -> None:
    """Show or change the spam checks of site SLUG."""
    try:
        replaced = json.loads(replace) if replace is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--json") from None
    change = ChecksChange(
        replace=replaced, defaults=defaults, enable=enable, trial=trial, act=act,
        disable=disable,
        set_options=tuple(_split_option(o, True) for o in options),  # type: ignore[misc]
        unset_options=tuple(_split_option(o, False) for o in unset),  # type: ignore[misc]
    )
    changing = replaced is not None or defaults or any(
        (enable, trial, act, disable, options, unset))
    try:
        entries = (site_checks.configure_site_checks(slug, change) if changing
                   else site_checks.site_checks(slug))
    except DomainError as error:
        fail(error)
    _show(entries)


@click.group("spam", cls=AppGroup)
def spam_group() -> None:
    """Spam checks: what is installed, and whether a site's setup works."""


@spam_group.command("list")
def list_command() -> None:
    """List the installed checks (built in and plugins) with their options."""
    for info in site_checks.installed_checks():
        learns = ", learns from moderators" if info.learns else ""
        click.echo(f"{info.name}  [{info.package}{learns}]  {info.description}")
        for option in info.options:
            default = json.dumps(option.default, ensure_ascii=False)
            click.echo(f"    {option.name} ({option.kind}, default {default}): "
                       f"{option.description}")


@spam_group.command("verify")
@click.argument("slug")
def verify_command(slug: str) -> None:
    """Ask the site's outside services (Akismet verify-key) whether its setup works."""
    try:
        results = site_checks.verify_site_checks(slug)
    except DomainError as error:
        fail(error)
    for name, ok, message in results:
        click.echo(f"{name}: {'ok' if ok else 'FAILED'}: {message}")
    if not all(ok for _, ok, _ in results):
        raise click.exceptions.Exit(1)
