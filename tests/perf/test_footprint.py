"""A serving worker carries only what serving needs: schema migrations and the clients of
services a site has not configured load where they are used, not in every worker; and
what loading made stays out of the garbage collector's full passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # where wsgi.py is
LOADED_ONLY_WHEN_USED = ("alembic", "flask_migrate", "mako", "redis", "httpx", "akismet",
                         "psycopg",  # the worker below runs on SQLite
                         "regex",  # a blocklist's patterns: no site has one yet
                         "defusedxml")  # the importers' XML parser: `discuss import` only

PROBE = """
import json, sys
from discuss import create_app
app = create_app()
answer = app.test_client().get("/healthz")
assert answer.status_code == 200, answer.status_code
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""

FROZEN_PROBE = """
import gc, json
import wsgi
answer = wsgi.app.test_client().get("/healthz")
assert answer.status_code == 200, answer.status_code
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def _run_in_a_worker(tmp_path, probe: str, **env: str):
    """What ``probe`` prints last, as JSON, run as a worker of a SQLite site would be."""
    environment = {**os.environ, "DISCUSS_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
                   "DISCUSS_SECRET_KEY": "s" * 32, "DISCUSS_INSTANCE_PATH": str(tmp_path),
                   **env}
    result = subprocess.run([sys.executable, "-c", probe], env=environment, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _loaded_by_a_worker(tmp_path, **env: str) -> set[str]:
    return set(_run_in_a_worker(tmp_path, PROBE, **env))


def test_a_serving_worker_leaves_unused_libraries_unloaded(tmp_path):
    loaded = _loaded_by_a_worker(tmp_path)
    assert "discuss" in loaded and "flask" in loaded
    assert loaded.isdisjoint(LOADED_ONLY_WHEN_USED), loaded & set(LOADED_ONLY_WHEN_USED)


def test_a_postgresql_worker_leaves_sqlites_driver_unloaded(tmp_path, backend, request):
    """SQLite's driver came with the Isso importer, which only `discuss import` runs."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL worker's footprint")
    database_url = request.getfixturevalue("database_url")
    loaded = _loaded_by_a_worker(tmp_path, DISCUSS_DATABASE_URL=database_url)
    assert "psycopg" in loaded
    assert "sqlite3" not in loaded


def test_redis_client_loads_when_redis_is_configured(tmp_path, redis_url):
    assert "redis" in _loaded_by_a_worker(tmp_path, DISCUSS_REDIS_URL=redis_url)


def test_a_served_app_leaves_what_loading_made_out_of_full_collections(tmp_path):
    """The objects a worker made while loading are never garbage; a full collection that
    walked them all would hold every request of the worker meanwhile."""
    objects = _run_in_a_worker(tmp_path, FROZEN_PROBE)

    assert objects["frozen"] > 50_000
    assert objects["tracked"] < objects["frozen"] / 10
