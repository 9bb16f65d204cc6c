"""Isso's SQLite database: ``threads(id, uri, title)`` and ``comments`` with a numeric ``mode``.

The database is opened read-only. Isso's thread ``uri`` is the article path its embed used,
so it is the thread key whatever ``--thread-key`` says. Bodies are Markdown already and go
through ``render_markdown``; Isso's per-comment voter Bloom filter cannot become our votes,
so only the like/dislike counters carry over.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from discuss.models import CommentStatus
from discuss.services.imports.common import (
    ImportFailed,
    Progress,
    ThreadKey,
    clean_email,
    clean_ip,
    clean_text,
    clean_url,
)
from discuss.services.imports.writer import ImportWriter, IncomingComment, IncomingThread

_MODES = {1: CommentStatus.APPROVED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}
_COLUMNS = ("tid", "id", "parent", "created", "modified", "mode", "remote_addr", "text",
            "author", "email", "website", "likes", "dislikes", "notification")
_PROGRESS_EVERY = 200


def _moment(path: Path, value: float | int | str | None, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ImportFailed(path, f"{what} has no valid time ({value!r})") from None


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _check_schema(path: Path, connection: sqlite3.Connection) -> None:
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"threads", "comments"} <= tables:
        raise ImportFailed(path, "this is not an Isso database (no threads/comments tables)")
    present = {row[1] for row in connection.execute("PRAGMA table_info(comments)")}
    missing = [name for name in _COLUMNS if name not in present]
    if missing:
        raise ImportFailed(path, f"the comments table lacks {', '.join(missing)}")


def _comment(path: Path, row: sqlite3.Row, writer: ImportWriter) -> IncomingComment:
    status = _MODES.get(row["mode"])
    if status is None:
        writer.warn(f"comment {row['id']} has mode {row['mode']!r}; imported as pending")
        status = CommentStatus.PENDING
    text = row["text"] if isinstance(row["text"], str) else ""
    modified = row["modified"]
    return IncomingComment(
        source_id=str(row["id"]),
        parent_source_id=str(row["parent"]) if row["parent"] is not None else None,
        status=status,
        body_source=text,  # Markdown: the writer renders it with render_markdown
        created_at=_moment(path, row["created"], f"comment {row['id']}"),
        edited_at=_moment(path, modified, f"comment {row['id']}") if modified else None,
        author_name=clean_text(row["author"], 100),
        author_email=clean_email(row["email"]),
        author_url=clean_url(row["website"]),
        author_ip=clean_ip(row["remote_addr"]),
        likes=_count(row["likes"]),
        dislikes=_count(row["dislikes"]),
        notify_replies=bool(row["notification"]),
    )


def read(path: Path, writer: ImportWriter, choice: ThreadKey, progress: Progress) -> None:
    """Copy every comment of an Isso database into the writer, in id order."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source:
            source.row_factory = sqlite3.Row
            _check_schema(path, source)
            threads = {
                row["id"]: IncomingThread(key=str(row["uri"] or ""), url=row["uri"],
                                          title=clean_text(row["title"], 500))
                for row in source.execute("SELECT id, uri, title FROM threads")
            }
            total = source.execute("SELECT count(*) FROM comments").fetchone()[0]
            rows = source.execute(f"SELECT {', '.join(_COLUMNS)} FROM comments ORDER BY id")
            for done, row in enumerate(rows, start=1):
                thread = threads.get(row["tid"])
                if thread is None:
                    writer.warn(f"comment {row['id']} belongs to no thread; skipped")
                    writer.report.skipped += 1
                else:
                    writer.add(thread, _comment(path, row, writer))
                if done % _PROGRESS_EVERY == 0:
                    progress(done, total)
            progress(total, total)
    except sqlite3.Error as error:
        raise ImportFailed(path, f"this is not a readable Isso database ({error})") from None
