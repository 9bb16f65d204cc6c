"""The ``discuss`` command: a Flask CLI group over the app factory; each command calls a service."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from discuss.cli_errors import fail
from discuss.errors import DomainError
from discuss.services import actors, audit, audit_export, demo, export, imports, privacy, sites


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
        fail(error)
    click.echo(f"created site {site.slug} ({site.moderation.value}-moderation)")


@click.command("demo")
@with_appcontext
@click.option("--origin", "origins", multiple=True, help="Extra origin allowed to embed the demo.")
def demo_command(origins: tuple[str, ...]) -> None:
    """Add the demo site with a sample article and comments."""
    site = demo.seed_demo(list(origins) + demo.DEMO_ORIGINS if origins else None)
    click.echo(f"demo site ready: {site.slug} (open /demo)")


class _ProgressBar:
    """A click progress bar on stderr, opened once the total is known."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, show_percent=True,
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(max(done - self.done, 0))
        self.done = max(done, self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


_SHOWN_WARNINGS = 20


@click.command("import")
@click.argument("source", type=click.Choice([source.value for source in imports.Source]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_slug", required=True, help="Slug of the site to import into.")
@click.option("--thread-key", type=click.Choice([key.value for key in imports.ThreadKey]),
              default="path", show_default=True,
              help="Thread key from the article URL's path, the whole URL, or the source's "
                   "own article id; match what your pages send as data-thread.")
@click.option("--dry-run", is_flag=True, help="Read and check everything, then write nothing.")
@with_appcontext
def import_command(source: str, file: Path, site_slug: str, thread_key: str,
                   dry_run: bool) -> None:
    """Import another system's comments (or a discuss export) into a site, all or nothing."""
    bar = _ProgressBar(f"Importing {file.name}")
    try:
        report = imports.import_file(imports.Source(source), file, site_slug,
                                     thread_key=imports.ThreadKey(thread_key),
                                     progress=bar.update, dry_run=dry_run)
    except DomainError as error:
        bar.close()
        fail(error)
    bar.close()
    for warning in report.warnings[:_SHOWN_WARNINGS]:
        click.echo(f"warning: {warning}", err=True)
    if len(report.warnings) > _SHOWN_WARNINGS:
        click.echo(f"... and {len(report.warnings) - _SHOWN_WARNINGS} more warnings", err=True)
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(report.imported.items()))
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.comments_imported} comments ({statuses or 'none'}) into "
               f"{report.threads_touched} threads ({report.threads_created} new) of site "
               f"{report.site}{' (site created)' if report.site_created else ''}; "
               f"{report.already_present} already present, {report.orphans} orphans made "
               f"top-level, {report.skipped} skipped")
    if dry_run:
        click.echo("dry run: nothing was written")


@click.command("export")
@click.option("--site", "site_slug", required=True, help="Slug of the site to export.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              default=None, help="Write to this file instead of standard output.")
@with_appcontext
def export_command(site_slug: str, output: Path | None) -> None:
    """Write a site's full backup as JSON (personal data included: keep it safe)."""
    if _write_chunks(export.export_site(site_slug), output):
        click.echo(f"exported site {site_slug} to {output}", err=True)


def _write_chunks(chunks: Iterator[str], output: Path | None) -> bool:
    """Text chunks to standard output, or to a file that appears only once complete; whether
    a file was written."""
    try:
        if output is None:
            for chunk in chunks:
                click.echo(chunk.encode("utf-8"), nl=False)  # bytes: UTF-8 whatever the locale
            return False
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk.encode("utf-8"))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    except DomainError as error:
        fail(error)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from None
    return True


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The audit log."""


@audit_group.command("export")
@click.option("--site", "site_slug", default=None, help="Only this site's events.")
@click.option("--actor", default=None, help="Only what this moderator (or key) did.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="From this UTC date or time on (inclusive).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Before this UTC date or time (exclusive).")
@click.option("--format", "file_format", type=click.Choice(audit_export.FORMATS), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              default=None, help="Write to this file instead of standard output.")
@with_appcontext
def audit_export_command(site_slug: str | None, actor: str | None, since: datetime | None,
                         until: datetime | None, file_format: str, output: Path | None) -> None:
    """Write every audit event, oldest first, as CSV or JSON Lines."""
    try:
        events = audit.all_events(actors.SYSTEM, site_slug, actor,
                                  since and since.replace(tzinfo=UTC),
                                  until and until.replace(tzinfo=UTC))
    except DomainError as error:
        fail(error)
    if _write_chunks(audit_export.lines(events, file_format), output):
        click.echo(f"exported the audit log to {output}", err=True)


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
        fail(error)
    click.echo(f"erased personal data from {count} comment(s)")


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    from discuss.cli_spam import checks_command, spam_group

    sites_group.add_command(checks_command)
    app.cli.add_command(sites_group)
    app.cli.add_command(spam_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(privacy_group)
    from discuss.cli_accounts import keys_group, users_group

    app.cli.add_command(users_group)
    app.cli.add_command(keys_group)


def _create_app() -> Flask:
    from discuss import create_app
    from discuss.schema_migrations import enable_migrations

    app = create_app()
    enable_migrations(app)  # ``discuss db …``: only the command line carries the migrations
    return app


main = FlaskGroup(name="discuss", create_app=_create_app, help="discuss: comments for news sites")
