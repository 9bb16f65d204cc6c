"""Helpers for the import tests: sample files, the CLI runner and reading threads over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from discuss.extensions import db
from discuss.models import Comment, Thread

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def cli(app: Flask) -> Callable[..., Any]:
    """Run ``discuss ...`` through the Flask CLI runner."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Any:
        return runner.invoke(args=[str(arg) for arg in args])

    return invoke


@pytest.fixture
def isso_db(tmp_path: Path) -> Path:
    """The Isso sample as a real SQLite file."""
    path = tmp_path / "comments.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript((SAMPLES / "isso.sql").read_text(encoding="utf-8"))
        connection.commit()
    return path


@pytest.fixture
def thread_page(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """The public listing of a thread, as the widget reads it."""

    def fetch(key: str, site: str = "news", **params: Any) -> dict[str, Any]:
        response = client.get("/api/v1/comments",
                              query_string={"site": site, "thread": key, **params})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return fetch


def stored(app: Flask, site_id: int | None = None) -> list[Comment]:
    """Every stored comment (any status), oldest id first, detached for assertions."""
    with app.app_context():
        query = sa.select(Comment).order_by(Comment.id)
        if site_id is not None:
            query = query.join(Thread).where(Thread.site_id == site_id)
        comments = list(db.session.scalars(query))
        db.session.expunge_all()
        return comments


def flatten(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A listing's comment trees as one list, depth first."""
    out: list[dict[str, Any]] = []
    for comment in comments:
        out.append(comment)
        out.extend(flatten(comment["replies"]))
    return out
