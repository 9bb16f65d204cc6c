"""The web layer: the only package that touches flask.request, sessions, cookies and headers."""

from __future__ import annotations

from flask import Flask

from discuss import extensions
from discuss.web import cors, errors, fast_reads, metrics, rate_limits, security
from discuss.web.admin import blueprint as admin_blueprint
from discuss.web.api import blueprint as api_blueprint
from discuss.web.api.moderation import blueprint as moderation_blueprint
from discuss.web.api.moderation import document_security
from discuss.web.auth import init_auth
from discuss.web.embed import blueprint as embed_blueprint
from discuss.web.pages import blueprint as pages_blueprint


def register_web(app: Flask) -> None:
    """Attach every blueprint, the CORS hooks, the error handlers and the response hooks."""
    security.bound_url_integers(app)
    extensions.api.register_blueprint(api_blueprint)
    extensions.api.register_blueprint(moderation_blueprint)
    document_security(extensions.api)
    app.register_blueprint(admin_blueprint)
    init_auth(app)
    app.register_blueprint(pages_blueprint)
    app.register_blueprint(embed_blueprint)
    cors.register(app)
    errors.register(app)
    metrics.register(app)
    security.register(app)
    rate_limits.register(app)
    fast_reads.install(app)
