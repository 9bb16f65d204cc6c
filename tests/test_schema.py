"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from discuss.extensions import db


def test_migrated_database_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_audit_action_can_be_stored(app):
    """The action column's CHECK constraint comes from the migrations, which the comparison
    above does not read: each value the model knows must pass it."""
    from discuss.models import AuditAction, AuditEvent, utcnow

    with app.app_context():
        for action in AuditAction:
            with db.engine.connect() as conn:
                conn.execute(sa.insert(AuditEvent).values(actor="schema-test", action=action,
                                                          created_at=utcnow()))
                conn.rollback()


def test_discuss_db_upgrade_builds_an_empty_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "DISCUSS_DATABASE_URL": url, "DISCUSS_SECRET_KEY": "s" * 32,
           "DISCUSS_INSTANCE_PATH": str(tmp_path)}
    discuss = os.path.join(os.path.dirname(sys.executable), "discuss")
    result = subprocess.run([discuss, "db", "upgrade"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {"sites", "threads", "comments", "votes", "flags", "alembic_version"} <= tables


def test_discuss_db_upgrade_builds_an_empty_postgresql_database(tmp_path):
    import psycopg

    from tests.conftest import PG_ADMIN_URL, require_service

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        require_service("PostgreSQL", False)
        return
    name = f"discuss_upgrade_{os.getpid()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        env = {**os.environ, "DISCUSS_DATABASE_URL": url, "DISCUSS_SECRET_KEY": "s" * 32,
               "DISCUSS_INSTANCE_PATH": str(tmp_path)}
        discuss = os.path.join(os.path.dirname(sys.executable), "discuss")
        try:
            result = subprocess.run([discuss, "db", "upgrade"], env=env, capture_output=True,
                                    text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
            assert {"sites", "threads", "comments"} <= set(sa.inspect(engine).get_table_names())
            engine.dispose()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
