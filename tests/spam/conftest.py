"""Fixtures of the spam tests: an installed third-party check package, the Akismet
stand-in, aged form tokens, and a look at what was stored with a comment."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from discuss.extensions import db
from discuss.models import Comment, utcnow
from discuss.tokens import FORM_SALT
from tests.spam.akismet_standin import AkismetStandIn

PLUGIN_SOURCE = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="session")
def third_party_checks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """pip-install the package in plugin_pkg/ into a directory on sys.path, as a user would
    install a plugin; discuss finds it through its entry points (importlib.metadata)."""
    source = tmp_path_factory.mktemp("plugin-src") / "discuss-test-checks"
    shutil.copytree(PLUGIN_SOURCE, source)
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    sys.modules.pop("discuss_test_checks", None)


@pytest.fixture
def plugin_module(third_party_checks: Path) -> Iterator[Any]:
    """The installed plugin module; a check hung on purpose is released after the test."""
    module = importlib.import_module("discuss_test_checks")
    module.RELEASE.clear()
    yield module
    module.RELEASE.set()


@pytest.fixture
def akismet_server() -> Iterator[AkismetStandIn]:
    server = AkismetStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def aged_token(app: Flask) -> Callable[..., str]:
    """A genuine form token as /config would have issued it ``seconds`` ago."""

    def make(seconds: float, site: str = "news") -> str:
        issued = int((utcnow() - timedelta(seconds=seconds)).timestamp())

        class Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return issued

        with app.app_context():
            serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=FORM_SALT,
                                                signer=Signer)
            return serializer.dumps({"s": site})

    return make


@pytest.fixture
def stored(app: Flask) -> Callable[[int], tuple[str, list[dict[str, Any]]]]:
    """The stored status and check records of a comment, read from the database."""

    def read(comment_id: int) -> tuple[str, list[dict[str, Any]]]:
        with app.app_context():
            comment = db.session.get(Comment, comment_id)
            assert comment is not None
            return comment.status.value, comment.checks

    return read
