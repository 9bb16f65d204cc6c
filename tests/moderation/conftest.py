"""Moderation fixtures: accounts, API keys, signed-in clients and held comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from discuss.extensions import db
from discuss.models import Comment
from discuss.services import accounts
from tests.moderation.moderation_helpers import PASSWORD, sign_in


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """An account through the service; moderators get the sites given."""

    def factory(name: str = "mod", role: str = "moderator", sites: tuple[str, ...] = ("news",),
                password: str = PASSWORD) -> int:
        with app.app_context():
            user = accounts.create_user(name, password, role,
                                        sites if role == "moderator" else ())
            # A cheap hash keeps the many sign-ins of the suite fast; the slow default is
            # asserted in test_accounts and used by the browser tests.
            user.password_hash = generate_password_hash(password, "pbkdf2:sha256:1000")
            db.session.commit()
            return user.id

    return factory


@pytest.fixture
def make_key(app: Flask) -> Callable[..., str]:
    """A new API key's secret, for one site or (None) all."""

    def factory(site: str | None = None) -> str:
        with app.app_context():
            return accounts.create_api_key(site)[1]

    return factory


@pytest.fixture
def signed_in(app: Flask, make_user: Callable[..., int]) -> Callable[..., tuple[FlaskClient, str]]:
    """A fresh client signed in as a new user: (client, csrf token)."""

    def factory(name: str = "mod", role: str = "moderator",
                sites: tuple[str, ...] = ("news",)) -> tuple[FlaskClient, str]:
        make_user(name, role, sites)
        client = app.test_client()
        return client, sign_in(client, name)

    return factory


@pytest.fixture
def held(post_comment: Callable[..., Any]) -> Callable[..., int]:
    """Post a comment that is held (the site must pre-moderate); returns its id."""

    def post(body: str = "Please look at this.", **fields: Any) -> int:
        response = post_comment(body, **fields)
        assert response.status_code == 202, response.get_json()
        return response.get_json()["comment"]["id"]

    return post


@pytest.fixture
def set_checks(app: Flask) -> Callable[[int, list[dict]], None]:
    """Store verdict records on a comment, as the spam checks would have."""

    def store(comment_id: int, records: list[dict]) -> None:
        with app.app_context():
            comment = db.session.get(Comment, comment_id)
            comment.checks = records
            db.session.commit()

    return store


@pytest.fixture
def status_of(app: Flask) -> Callable[[int], str]:
    """A comment's stored status, read from the database."""

    def read(comment_id: int) -> str:
        with app.app_context():
            return db.session.get(Comment, comment_id).status.value

    return read
