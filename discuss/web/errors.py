"""Every error becomes problem+json under /api and a plain page elsewhere; never a trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, render_template_string, request
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from discuss import errors as domain
from discuss import observability
from discuss.extensions import db

log = logging.getLogger(__name__)

DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.Invalid: 422,
    domain.BadRequest: 400,
    domain.Unauthorized: 401,
    domain.EditWindowClosed: 403,
    domain.Forbidden: 403,
    domain.Conflict: 409,
    domain.Unavailable: 503,
}

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>{{ title }}</title>
<body><h1>{{ status }} {{ title }}</h1><p>{{ detail }}</p></body></html>"""


def wants_problem_json() -> bool:
    """API paths answer problem+json; pages answer HTML."""
    return request.path.startswith("/api/")


def problem(
    status: int,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build the error answer in the shape the client expects."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    if wants_problem_json():
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                                "detail": detail}
        if errors:
            body["errors"] = errors
        response = Response(json.dumps(body), status=status,
                            mimetype="application/problem+json")
    else:
        response = Response(
            render_template_string(_PAGE, status=status, title=title, detail=detail),
            status=status, mimetype="text/html",
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_messages(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages by location ({"json": {"body": [...]}}); clients want fields."""
    flat: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    for location_errors in messages.values():
        if not isinstance(location_errors, dict):
            flat.setdefault("_schema", []).extend(_as_strings(location_errors))
            continue
        for field_name, field_errors in location_errors.items():
            flat.setdefault(str(field_name), []).extend(_as_strings(field_errors))
    return flat


def _as_strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [m for item in value for m in _as_strings(item)]
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _as_strings(v)]
    return [str(value)]


_DEFAULT_DETAIL = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    413: "The request body is larger than this server accepts.",
    422: "Some fields are not valid.",
}


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug and flask-smorest errors, including schema validation failures."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    detail = _DEFAULT_DETAIL.get(status) or error.description or HTTP_STATUS_CODES.get(status, "")
    errors = None
    if isinstance(messages, dict) and any(isinstance(v, list) for v in messages.values()):
        detail = "The request body is not valid JSON."  # webargs' location-level message
    elif messages:
        errors = _flatten_messages(messages)
        if status == 400:
            detail = "Some request parameters are not valid."
    if status == 429:
        detail = "Too many requests; slow down and try again later."
    headers = {}
    if error.response is not None:
        retry_after = error.response.headers.get("Retry-After")
        if retry_after:
            headers["Retry-After"] = retry_after
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    response = problem(status, detail, errors, headers)
    if status == 429 and "Retry-After" not in response.headers:
        limit = getattr(error, "limit", None)
        seconds = getattr(getattr(limit, "limit", None), "get_expiry", lambda: 60)()
        response.headers["Retry-After"] = str(seconds)
    return response


def handle_domain_error(error: domain.DomainError) -> Response:
    """Rules the service layer refused."""
    status = DOMAIN_STATUS.get(type(error)) or next(
        (code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind)), 400
    )
    errors = error.errors if isinstance(error, domain.Invalid) else None
    # RFC 9110: a 401 names the scheme to answer with (edit tokens and API keys are bearer
    # tokens; the admin pages sign in with a form instead).
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 and wants_problem_json() else None
    return problem(status, error.detail, errors, headers)


def _discard_session() -> None:
    """Forget the request's session even when its connection died under it."""
    try:
        db.session.remove()
    except SQLAlchemyError:
        log.warning("database connection lost while closing the session")
        try:
            db.session.remove()
        except SQLAlchemyError:
            db.session.registry.clear()


def release_session(_error: BaseException | None = None) -> None:
    """Teardown that never turns an answered request into a 500 because the database left.
    (Most reads never open a session: nothing to forget then.)"""
    if db.session.registry.has():
        _discard_session()


def handle_database_error(error: DBAPIError | PoolTimeout | PendingRollbackError) -> Response:
    """A lost database is the server's trouble, told as 503 so clients retry."""
    _discard_session()
    if isinstance(error, IntegrityError):
        return problem(409, "The request conflicts with the current state; try again.")
    if isinstance(error, DataError):
        log.warning("value refused by the database: %s", error.orig.__class__.__name__)
        return problem(400, "A value in the request is out of range.")
    log.warning("database unavailable: %s", error.__class__.__name__)
    observability.record_database_unavailable()
    return problem(503, "The database is not reachable right now; try again shortly.",
                   headers={"Retry-After": "5"})


def handle_unexpected(error: Exception) -> Response:
    """A bug: logged with its trace, answered without one."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, "Something went wrong on our side.")


# The errors ``handle_database_error`` answers (the readers' fast path hands these to it).
DATABASE_ERRORS = (OperationalError, DBAPIError, PoolTimeout, PendingRollbackError)


def register(app: Flask) -> None:
    """Install the handlers (after flask-smorest, so these win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    # PendingRollbackError: an earlier statement of this request failed on a lost
    # connection and was swallowed.
    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
    # Instead of Flask-SQLAlchemy's own teardown, which would raise when the database left,
    # and look the session up again on every request, most of which never open one.
    app.teardown_appcontext(release_session)
    own_teardown = getattr(db, "_teardown_session", None)
    if own_teardown in app.teardown_appcontext_funcs:
        app.teardown_appcontext_funcs.remove(own_teardown)
