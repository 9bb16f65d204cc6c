"""Our own export read back: the site (created when missing), threads, comments, votes, flags.

Everything stored comes back as it was, ids aside; stored HTML is passed through the
allowlist again (our own rendering comes out unchanged), so a tampered backup cannot bring
in markup a reader could not have written. A site that already exists keeps its settings,
bans and what its spam checks have learnt; a new one gets all three from the export.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from discuss.errors import Invalid
from discuss.extensions import db
from discuss.models import Comment, Flag, Site, Thread, Vote
from discuss.services.export import (
    CHILD_SKIP,
    COMMENT_SKIP,
    FORMAT,
    SITE_ROW_SKIP,
    SITE_ROWS,
    SITE_SKIP,
    THREAD_SKIP,
    VERSION,
    from_json,
)
from discuss.services.imports.common import CountingReader, ImportFailed, Progress
from discuss.services.imports.jsonstream import ARRAY_START, JsonStreamError, iter_object
from discuss.services.imports.writer import (
    ImportReport,
    ImportWriter,
    IncomingComment,
    IncomingThread,
    Matching,
)
from discuss.services.sites import SLUG_PATTERN, find_site, normalise_origins
from discuss.text import sanitize_html

_TYPED = {item.name for item in fields(IncomingComment)}
_TREE = ("id", "parent_id", "root_id", "depth")
_MEMBERS = ("format", "version", "site", *SITE_ROWS, "threads")


def _check_header(path: Path, header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise ImportFailed(path, "this is not a discuss export (no \"format\": \"discuss-export\" "
                                 "before the threads)")
    if header.get("version") != VERSION:
        raise ImportFailed(path, f"export version {header.get('version')!r} is not supported "
                                 f"(this discuss reads version {VERSION})")
    for member in SITE_ROWS:
        if not isinstance(header.get(member, []), list):
            raise ImportFailed(path, f"\"{member}\" must be a list")


def _create_site(path: Path, slug: str, record: Any) -> Site:
    if not SLUG_PATTERN.match(slug):
        raise Invalid("Invalid site slug.", {"slug": ["Use a-z, 0-9 and dashes, up to 63."]})
    values = from_json(Site, record, SITE_SKIP, "site")
    values.pop("slug", None)
    try:
        values["origins"] = normalise_origins(values.get("origins") or [])
    except Invalid as error:
        raise ImportFailed(path, f"site.origins: {error.errors['origins'][0]}") from None
    site = Site(slug=slug, **values)
    db.session.add(site)
    db.session.flush()
    return site


def _restore_site_rows(site: Site, member: str, records: list[Any]) -> None:
    """A new site gets back its bans and what its learning spam checks knew."""
    model = SITE_ROWS[member]
    unique = [column.name for constraint in model.__table__.constraints
              if isinstance(constraint, sa.UniqueConstraint)
              for column in constraint.columns if column.name != "site_id"]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for index, record in enumerate(records):
        values = from_json(model, record, SITE_ROW_SKIP, f"{member}[{index}]")
        if unique:
            key = tuple(values.get(name) for name in unique)
            if key in seen:
                raise ValueError(f"{member}[{index}] repeats {'/'.join(map(str, key))}")
            seen.add(key)
        rows.append({**values, "site_id": site.id})
    for start in range(0, len(rows), 1000):
        db.session.execute(sa.insert(model), rows[start:start + 1000])


def _thread(record: Any, where: str) -> tuple[IncomingThread, list[Any]]:
    if not isinstance(record, dict):
        raise ValueError(f"{where} must be an object")
    comments = record.get("comments", [])
    if not isinstance(comments, list):
        raise ValueError(f"{where}.comments must be a list")
    values = from_json(Thread, {k: v for k, v in record.items() if k != "comments"},
                       THREAD_SKIP, where, required=("key",))
    values.pop("comment_count", None)  # recounted from the comments themselves
    thread = IncomingThread(key=values.pop("key"), url=values.pop("url", None),
                            title=values.pop("title", None),
                            created_at=values.pop("created_at", None),
                            locked=values.pop("locked", False), extra=values)
    return thread, comments


def _export_id(value: Any, where: str, nullable: bool) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{where} must be an integer")
    return str(value)


def _comment(record: Any, where: str) -> IncomingComment:
    if not isinstance(record, dict):
        raise ValueError(f"{where} must be an object")
    body = {k: v for k, v in record.items() if k not in ("votes", "flags", *_TREE)}
    values = from_json(Comment, body, COMMENT_SKIP | set(_TREE), where,
                       required=("status", "body_source", "created_at"))
    checks = values.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(item, dict) for item in checks):
        raise ValueError(f"{where}.checks must be a list of objects")
    if values.get("body_html") is not None:
        # Re-apply the allowlist to stored HTML from a backup; our own output is unchanged.
        values["body_html"] = sanitize_html(values["body_html"])
    children: dict[str, list[dict[str, Any]]] = {}
    for name, model in (("votes", Vote), ("flags", Flag)):
        items = record.get(name, [])
        if not isinstance(items, list):
            raise ValueError(f"{where}.{name} must be a list")
        children[name] = [from_json(model, item, CHILD_SKIP, f"{where}.{name}[{index}]")
                          for index, item in enumerate(items)]
    return IncomingComment(
        source_id=str(_export_id(record.get("id"), f"{where}.id", nullable=False)),
        parent_source_id=_export_id(record.get("parent_id"), f"{where}.parent_id", True),
        **{k: v for k, v in values.items() if k in _TYPED},
        votes=children["votes"], flags=children["flags"],
        extra={k: v for k, v in values.items() if k not in _TYPED},
    )


def _add_thread(writer: ImportWriter, record: Any, where: str) -> None:
    thread, comments = _thread(record, where)
    writer.ensure_thread(thread)
    for position, item in enumerate(comments):
        writer.add(thread, _comment(item, f"{where}.comments[{position}]"))


def _start(path: Path, site_slug: str, header: dict[str, Any],
           report: ImportReport) -> ImportWriter:
    """Once the threads begin: the site (created with settings and learnt data if missing)."""
    _check_header(path, header)
    site = find_site(site_slug)
    if site is None:
        site = _create_site(path, site_slug, header.get("site"))
        for member in SITE_ROWS:
            _restore_site_rows(site, member, header.get(member, []))
        report.site_created = True
    return ImportWriter(site, "discuss", report, Matching.CONTENT)


def read(path: Path, site_slug: str, report: ImportReport, progress: Progress) -> None:
    """Restore an export into the site, creating the site from the export when it is missing.

    The file is read one thread at a time, so a big backup needs no more memory than its
    largest thread.
    """
    total = max(path.stat().st_size, 1)
    header: dict[str, Any] = {}
    writer: ImportWriter | None = None
    index = -1
    with path.open("rb") as handle:
        reader = CountingReader(handle)
        try:
            for key, value in iter_object(reader, "threads"):
                if key not in _MEMBERS or key in header or (writer and key != "threads"):
                    raise ValueError(f"unexpected member {key!r} (an export has "
                                     f"{', '.join(_MEMBERS)}, each once, threads last)")
                if key != "threads":
                    header[key] = value
                elif value is ARRAY_START:
                    writer = _start(path, site_slug, header, report)
                elif writer is not None:  # ARRAY_START always comes first
                    index += 1
                    _add_thread(writer, value, f"threads[{index}]")
                    progress(reader.position, total)
        except JsonStreamError as error:
            raise ImportFailed(path, f"the JSON is malformed ({error})") from None
        except ValueError as error:
            raise ImportFailed(path, str(error)) from None
    if writer is None:
        _check_header(path, header)
        raise ImportFailed(path, "\"threads\" must be a list")
    writer.finish()
