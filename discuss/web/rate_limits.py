"""Which requests the rate limiter looks at.

Every limit discuss sets is on a write (posting, signing in), declared on its view, where
the limiter checks it as the view is called. Unless the operator sets a default limit for
everything (``DISCUSS_RATE_LIMIT_DEFAULT``), the limiter's check before every request has
nothing to find, and reads skip its other per-request hooks too: resolving and evaluating
the limits of an endpoint costs a reader's request more than the rest of a cached answer
does, and a post's limits are checked once instead of twice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, Response, request

from discuss.extensions import limiter

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _on_writes(hook: Callable[..., Any], on_read: Callable[..., Any]) -> Callable[..., Any]:
    """``hook`` for writes; ``on_read`` (what the hook would amount to) for reads."""
    @wraps(hook)
    def on_writes(*args: Any) -> Any:
        if request.method in READ_METHODS:
            return on_read(*args)
        return hook(*args)

    return on_writes


def _nothing(*_args: Any) -> None:
    return None


def _keep_response(response: Response) -> Response:
    return response


def only_views_have_limits() -> bool:
    """Whether every limit is a view's own, checked as its view is called: no default
    (``DISCUSS_RATE_LIMIT_DEFAULT``), application or blueprint limit, which the limiter
    checks before every request. (Blueprint limits have no public accessor.)"""
    manager = limiter.limit_manager
    return not (manager.default_limits or manager.application_limits
                or any(manager._blueprint_limits.values()))


def _is_limiter_hook(hook: Any) -> bool:
    """The limiter's hooks: bound methods of it, or (after-request) a partial over it."""
    owner = hook.args[0] if isinstance(hook, partial) and hook.args else \
        getattr(hook, "__self__", None)
    return owner is limiter


def register(app: Flask) -> None:
    """Without a default limit, drop the limiter's check before each request (a view's limit
    is checked when the view is called) and let reads past its other hooks: no read has a
    limit of its own, so they would find nothing to report or release."""
    if not only_views_have_limits():
        return
    app.before_request_funcs[None] = [hook for hook in app.before_request_funcs.get(None, [])
                                      if not _is_limiter_hook(hook)]
    for hooks, on_read in ((app.after_request_funcs, _keep_response),
                           (app.teardown_request_funcs, _nothing)):
        app_hooks = hooks.setdefault(None, [])
        hooks[None] = [_on_writes(h, on_read) if _is_limiter_hook(h) else h for h in app_hooks]


def limits_reads(app: Flask) -> bool:
    """Whether the limiter's hooks still run for every request, reads included."""
    return any(_is_limiter_hook(h) for hooks in (app.before_request_funcs,
                                                  app.after_request_funcs,
                                                  app.teardown_request_funcs)
               for h in hooks.get(None, []))
