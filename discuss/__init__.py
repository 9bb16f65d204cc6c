"""discuss: comments and discussion for news sites."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from discuss import cache
from discuss.config import load_settings
from discuss.extensions import api, csrf, db, limiter, login_manager
from discuss.logs import configure_logging
from discuss.pool import prepare_engine
from discuss.rate_limit_storage import sweep_fallback_lazily


class DiscussFlask(Flask):
    """Flask without its per-call coroutine check: discuss registers no async view or hook
    (``tests/test_architecture.py`` checks), and the check ran for each of the ~18 hooks and
    views of every request."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return func


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides settings by name (used by tests)."""
    settings = load_settings(config)
    configure_logging(settings.log_level, settings.log_json)
    app = DiscussFlask(__name__, instance_path=settings.instance_path)
    app.config.update(settings.to_flask())
    app.json.sort_keys = False  # keep fields in the documented order
    db.init_app(app)
    with app.app_context():
        prepare_engine(app, db.engine)
    # The limiter object outlives an app (tests build many): each starts from its own defaults,
    # and with its new storage taken as alive (an outage an earlier app saw would otherwise
    # send the first counts to the fallback, then drop them when the storage "recovers").
    limiter.limit_manager.set_default_limits([])
    limiter._storage_dead = False
    limiter.init_app(app)
    sweep_fallback_lazily(limiter)
    from discuss.schemas.problem import ProblemSchema
    from discuss.web.api.openapi import ProblemResponses

    api.ERROR_SCHEMA = ProblemSchema  # the spec documents errors as problem+json
    api.init_app(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    login_manager.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)

    from discuss import models  # noqa: F401  (tables known to Alembic)
    from discuss.cli import register_commands
    from discuss.services.spam_data import SqlCheckData
    from discuss.spam.registry import init_spam
    from discuss.web import register_web
    from discuss.web.fast_reads import install_kept_counts

    init_spam(app, SqlCheckData)
    register_web(app)
    register_commands(app)
    if settings.trust_proxy_headers:  # every layer within sees the client's address
        hops = settings.trust_proxy_headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    install_kept_counts(app)  # outermost: a kept counts answer needs no proxy headers parsed
    return app
