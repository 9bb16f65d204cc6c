"""The benchmark starts every target with its own gunicorn settings and nothing else.

discuss's production ``gunicorn.conf.py`` sits in the folder the benchmark starts discuss
and the ceiling from; read there, its ``max_requests`` would replace their workers every
few seconds under load while Isso's never are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

from bench.targets import ROOT, Server, ceiling_server, discuss_server


def _gunicorn_settings(server: Server, monkeypatch: pytest.MonkeyPatch):
    """The settings gunicorn would run ``server`` with, read as gunicorn reads them."""
    monkeypatch.chdir(server.cwd)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setattr(sys, "argv", server.command())
    return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg


@pytest.mark.parametrize("make", [
    lambda: discuss_server("discuss-sqlite", "sqlite:///unused.db"),
    lambda: ceiling_server(Path("unused.json")),
], ids=["discuss", "ceiling"])
def test_targets_run_with_the_benchmark_settings_only(make, monkeypatch):
    server = make()
    assert (Path(server.cwd) / "gunicorn.conf.py").exists() and server.cwd == ROOT

    settings = _gunicorn_settings(server, monkeypatch)

    assert settings.max_requests == 0
    assert (settings.workers, settings.worker_class_str, settings.threads) == (2, "gthread", 4)
    assert settings.bind == [f"127.0.0.1:{server.port}"]
