"""Helpers for the embed tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from discuss.extensions import db


@pytest.fixture
def other_app(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Flask]]:
    """A second app with other settings, its connections closed at the end of the test."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        made.append(make_app(**overrides))
        return made[-1]

    yield factory
    for app in made:
        with app.app_context():
            db.engine.dispose()
