"""The schema's migrations (Alembic through Flask-Migrate), set up only where they run.

Flask-Migrate brings Alembic and Mako, about 11 MB per process; a serving worker never
changes the schema, so only the ``discuss`` command (``discuss db …``) and the code that
builds a database (tests, the benchmark's seeding) attach it to their app.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from discuss.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def enable_migrations(app: Flask) -> None:
    """Attach Flask-Migrate to ``app`` (once), for ``discuss db`` and ``upgrade_database``."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS))


def upgrade_database(app: Flask) -> None:
    """Bring ``app``'s database to the newest schema (``discuss db upgrade`` in code)."""
    enable_migrations(app)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
