"""Seed discuss databases fast: the benchmark data set, and scale databases up to millions.

Rows are written in bulk with explicit ids (COPY on PostgreSQL, executemany on SQLite),
bypassing the per-comment service path: this is test data, rendered with the same Markdown
renderer, and the thread counters are set to match.

    python -m bench.seed --database-url URL                 # the benchmark data set
    python -m bench.seed --database-url URL --scale 1000000 # plus 1M comments in 5,000 threads
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench import dataset

COLUMNS = (
    "id", "thread_id", "parent_id", "root_id", "depth", "status", "author_name", "author_email",
    "author_url", "author_ip", "user_agent", "avatar", "body_source", "body_html", "body_hash",
    "notify_replies", "checks", "likes", "dislikes", "flag_count", "created_at", "edited_at",
)
SCALE_PREFIX = "/scale/"


def _app(database_url: str) -> Any:
    from discuss import create_app

    # A million-row COPY runs far longer than a request may: an hour, not ten seconds.
    return create_app({"database_url": database_url, "secret_key": "bench-secret-" + "s" * 24,
                       "db_statement_timeout_ms": 3_600_000})


def _rendered_templates() -> dict[str, tuple[str, str]]:
    """Markdown rendered once per body template; the index is filled in per comment."""
    from discuss.text import render_markdown

    out = {}
    for body in dataset._BODIES:
        out[body] = (body + " (#IDX)", render_markdown(body + " (#IDX)"))
    return out


def comment_rows(
    thread_id: int, comments: Iterable[dataset.SeedComment], first_id: int, now: datetime,
    templates: dict[str, tuple[str, str]],
) -> Iterator[tuple[Any, ...]]:
    """Rows of one thread, ids from ``first_id`` on, in the order of ``COLUMNS``."""
    depth: dict[int, int] = {}
    root: dict[int, int] = {}
    for c in comments:
        base = c.body.rsplit(" (#", 1)[0]
        source_template, html_template = templates[base]
        source = source_template.replace("IDX", str(c.index))
        comment_id = first_id + c.index
        if c.parent is None:
            depth[c.index], root_id, parent_id = 0, None, None
            root[c.index] = comment_id
        else:
            depth[c.index] = depth[c.parent] + 1
            root[c.index] = root[c.parent]
            root_id, parent_id = root[c.parent], first_id + c.parent
        email = f"{c.author.lower()}@example.org"
        yield (
            comment_id, thread_id, parent_id, root_id, depth[c.index], "approved", c.author,
            email, None, "192.0.2.1", "bench", hashlib.md5(email.encode()).hexdigest(),
            source, html_template.replace("IDX", str(c.index)),
            hashlib.sha256(source.encode()).hexdigest(), False, "[]", c.index % 7, c.index % 3,
            0, now - timedelta(minutes=c.minutes_ago), None,
        )


def _sqlite_time(moment: datetime) -> str:
    """How the UTC timestamp type stores a moment on SQLite (naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _next_id(conn: sa.Connection, table: str) -> int:
    return (conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0) + 1


def _write(conn: sa.Connection, rows: Iterable[tuple[Any, ...]]) -> int:
    """Bulk-write comment rows: COPY on PostgreSQL, chunked executemany on SQLite."""
    written = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY comments ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    insert = sa.text(f"INSERT INTO comments ({', '.join(COLUMNS)}) VALUES "
                     f"({', '.join(':' + c for c in COLUMNS)})")
    chunk: list[dict[str, Any]] = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        created = values["created_at"]
        values["created_at"] = _sqlite_time(created)
        chunk.append(values)
        if len(chunk) == 5000:
            conn.execute(insert, chunk)
            written += len(chunk)
            chunk = []
    if chunk:
        conn.execute(insert, chunk)
        written += len(chunk)
    return written


def _add_threads(conn: sa.Connection, site_id: int, threads: list[tuple[str, int, int]],
                 now: datetime) -> int:
    templates = _rendered_templates()
    thread_id = _next_id(conn, "threads")
    comment_id = _next_id(conn, "comments")
    created = now - timedelta(days=1)
    if conn.dialect.name == "sqlite":
        created = _sqlite_time(created)
    conn.execute(
        sa.text("INSERT INTO threads (id, site_id, key, url, title, locked, comment_count, "
                "version, created_at) VALUES (:id, :site, :key, :url, :title, false, :count, 1, "
                ":created)"),
        [{"id": thread_id + n, "site": site_id, "key": key, "url": f"https://news.example{key}",
          "title": f"Article {key}", "count": total, "created": created}
         for n, (key, total, _) in enumerate(threads)],
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        next_comment = comment_id
        for n, (_, total, roots) in enumerate(threads):
            yield from comment_rows(thread_id + n, dataset.thread_comments(total, roots),
                                    next_comment, now, templates)
            next_comment += total

    written = _write(conn, rows())
    if conn.dialect.name == "postgresql":
        for table in ("threads", "comments"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT MAX(id) FROM {table}))"))
    return written


def seed(database_url: str, scale: int = 0, benchmark: bool = True) -> dict[str, Any]:
    """Create the schema, the site, the benchmark threads and ``scale`` extra comments."""
    from discuss.extensions import db
    from discuss.models import utcnow
    from discuss.schema_migrations import upgrade_database
    from discuss.services.sites import create_site, find_site

    app = _app(database_url)
    started = time.monotonic()
    upgrade_database(app)
    with app.app_context():
        site = find_site(dataset.SITE) or create_site(dataset.SITE, ["http://127.0.0.1"])
        site_id = site.id
        db.session.commit()
        now = utcnow()
        written = 0
        with db.engine.begin() as conn:
            if benchmark:
                written += _add_threads(conn, site_id, dataset.THREADS, now)
            if scale:
                per_thread = 200
                threads = [(f"{SCALE_PREFIX}{n:06d}", per_thread, 50)
                           for n in range(scale // per_thread)]
                written += _add_threads(conn, site_id, threads, now)
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        db.engine.dispose()
    return {"comments": written, "seconds": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=int, default=0,
                        help="extra comments in threads of 200 (e.g. 1000000)")
    parser.add_argument("--no-benchmark-threads", action="store_true")
    args = parser.parse_args()
    print(json.dumps(seed(args.database_url, args.scale, not args.no_benchmark_threads)))


if __name__ == "__main__":
    main()
