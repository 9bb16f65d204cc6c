"""Signing in and out: throttled, the same answer for a wrong name or a wrong password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from discuss.extensions import limiter
from discuss.models import User
from discuss.services import accounts
from discuss.web.admin import blueprint, safe_next
from discuss.web.admin.forms import LoginForm
from discuss.web.auth import SessionUser


def login_limit() -> str:
    """How often one client may try a password (signing in, or proving it)."""
    return current_app.config["DISCUSS"].rate_limit_login


def _login_name() -> str:
    return "login:" + request.form.get("name", "").strip().lower()[:64]


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session: nothing from before carries over."""
    session.clear()
    session.permanent = True
    login_user(SessionUser(user))


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=_login_name)
def login():
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.queue"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.name.data, form.password.data)
        if user is not None:
            target = safe_next(request.args.get("next"))
            start_session(user)
            return redirect(target)
        error = "That name and password do not match an active account."
    status = 401 if error else 200
    return render_template("admin/login.html", form=form, error=error), status


@blueprint.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
