"""Importing other systems' comments (Disqus, WordPress, Isso) and our own export.

One module per source format reads its file and hands threads and comments to the shared
writer (``writer.py``); ``import_file`` runs one file as one transaction: all or nothing.
"""

from __future__ import annotations

import enum
import importlib
from pathlib import Path
from types import ModuleType

from discuss.errors import NotFound
from discuss.extensions import db
from discuss.services.imports.common import ImportFailed, Progress, ThreadKey, no_progress
from discuss.services.imports.writer import ImportReport, ImportWriter, Matching
from discuss.services.sites import find_site

__all__ = ["ImportFailed", "ImportReport", "Source", "ThreadKey", "import_file"]


class Source(enum.StrEnum):
    """The formats ``discuss import`` reads."""

    DISQUS = "disqus"
    WORDPRESS = "wordpress"
    ISSO = "isso"
    DISCUSS = "discuss"


def _reader(source: Source) -> ModuleType:
    """The module that reads ``source`` (named as its value), loaded by the import that
    needs it rather than by every worker (Isso's reader brings SQLite's driver)."""
    return importlib.import_module(f"{__name__}.{source.value}")


def import_file(source: Source, path: Path, site_slug: str, *,
                thread_key: ThreadKey = ThreadKey.PATH, progress: Progress | None = None,
                dry_run: bool = False) -> ImportReport:
    """Import one file into a site in one transaction; a re-run adds only what is new."""
    report = ImportReport(source=source.value, site=site_slug, dry_run=dry_run)
    progress = progress or no_progress
    try:
        if source is Source.DISCUSS:
            _reader(source).read(path, site_slug, report, progress)
        else:
            site = find_site(site_slug)
            if site is None:
                raise NotFound(f"No site named {site_slug!r}; create it first with "
                               f"'discuss sites create {site_slug}'.")
            writer = ImportWriter(site, source.value, report, Matching.ORIGIN)
            _reader(source).read(path, writer, thread_key, progress)
            writer.finish()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report
