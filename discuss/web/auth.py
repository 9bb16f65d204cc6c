"""Who is asking, for the moderation API and the admin: API key, or session plus CSRF token."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import UserMixin, current_user
from flask_wtf.csrf import CSRFError

from discuss.errors import Unauthorized
from discuss.extensions import csrf, login_manager
from discuss.models import User
from discuss.services import accounts, actors
from discuss.services.actors import Actor
from discuss.web.api.requests import bearer_token
from discuss.web.errors import problem

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the signer built for every request: a reader's
    request carries no session cookie, and an empty session needs no signature checked."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if not session and not session.modified:  # empty before and after: no cookie to set
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class SessionUser(UserMixin):
    """The signed-in user as Flask-Login sees it: the account plus the actor it acts as."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.actor = actors.actor_for_user(user)

    def get_id(self) -> str:
        return accounts.session_id(self.user)


def _load_user(session_value: str) -> SessionUser | None:
    user = accounts.load_session_user(session_value)
    return SessionUser(user) if user is not None else None


def session_actor() -> Actor | None:
    """The signed-in user's actor, if any."""
    if current_user.is_authenticated:
        return current_user.actor
    return None


def api_actor() -> Actor:
    """The caller of a moderation endpoint: a Bearer key, or a session that sent its CSRF token.

    A key needs no CSRF token (browsers never send it by themselves); a session does for
    every unsafe method, in the ``X-CSRFToken`` header.
    """
    secret = bearer_token()
    if secret is not None:
        actor = accounts.authenticate_key(secret)
        if actor is None:
            raise Unauthorized("The API key is not valid.")
        return actor
    actor = session_actor()
    if actor is None:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>', or sign in.")
    if request.method in UNSAFE_METHODS:
        csrf.protect()
    return actor


def _csrf_refused(error: CSRFError) -> Response:
    return problem(400, f"{error.description} Reload the page and try again.")


def init_auth(app: Flask) -> None:
    """Sessions and CSRF for the admin and the moderation API."""
    app.session_interface = CookieSessions()
    login_manager.user_loader(_load_user)
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please sign in to moderate."
    login_manager.session_protection = "basic"
    app.register_error_handler(CSRFError, _csrf_refused)
