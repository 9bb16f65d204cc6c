"""The web layer: the only package that touches flask.request, sessions, cookies and headers."""

from __future__ import annotations

from flask import Flask

from discuss import extensions
from discuss.web import errors, metrics, security
from discuss.web.api import blueprint as api_blueprint
from discuss.web.pages import blueprint as pages_blueprint


def register_web(app: Flask) -> None:
    """Attach every blueprint and the error handlers."""
    security.bound_url_integers(app)
    extensions.api.register_blueprint(api_blueprint)
    app.register_blueprint(pages_blueprint)
    errors.register(app)
    metrics.register(app)
    security.register(app)
