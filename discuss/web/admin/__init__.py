"""The moderators' web view at /admin/: server-rendered pages, no JavaScript framework.

Every page needs a signed-in user; every POST needs the CSRF token; every action goes
through the same services as the moderation API, with the user's ``Actor``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, request, url_for
from flask_login import current_user

from discuss.extensions import csrf
from discuss.models import utcnow
from discuss.services.actors import Actor

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
                      static_folder="static", static_url_path="/static")
OPEN_ENDPOINTS = frozenset({"admin.login", "admin.static"})


@blueprint.before_request
def _guard() -> Response | None:
    """CSRF on every unsafe request, and sign-in for every page but the login form."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return None


@blueprint.after_request
def _headers(response: Response) -> Response:
    """Moderation pages hold personal data: never cached, never framed."""
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def actor() -> Actor:
    """The signed-in user's actor."""
    return current_user.actor


def safe_next(target: str | None, default: str = "admin.queue") -> str:
    """Only ever go back to a page of the admin itself (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/") \
                and "\\" not in target:
            return target
    return url_for(default)


@blueprint.app_template_filter("ago")
def ago(moment: datetime | None) -> str:
    """'5 min ago', '3 h ago', '2 d ago', or the date."""
    if moment is None:
        return ""
    seconds = int((utcnow() - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    if seconds < 30 * 86400:
        return f"{seconds // 86400} d ago"
    return moment.strftime("%Y-%m-%d")


@blueprint.app_template_filter("iso")
def iso(moment: datetime | None) -> str:
    """RFC 3339 for <time datetime=…>."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


@blueprint.context_processor
def _inject() -> dict:
    return {"me": current_user if current_user.is_authenticated else None}


from discuss.web.admin import (  # noqa: E402,F401  (routes attach to the blueprint)
    people,
    queue_views,
    session_views,
    site_views,
)
