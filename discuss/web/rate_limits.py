"""Which requests the rate limiter looks at.

Every limit discuss sets is on a write (posting, signing in). Unless the operator sets a
default limit for everything (``DISCUSS_RATE_LIMIT_DEFAULT``), reads skip the limiter's
per-request hook: resolving and evaluating the limits of an endpoint costs a reader's
request more than the rest of a cached answer does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter

from discuss.extensions import limiter

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _writes_only(check: Callable[[], Any]) -> Callable[[], Any]:
    @wraps(check)
    def check_writes() -> Any:
        if request.method in READ_METHODS:
            return None
        return check()

    return check_writes


def _is_limiter_check(hook: Any) -> bool:
    return (getattr(hook, "__self__", None) is limiter
            and getattr(hook, "__func__", None) is Limiter._check_request_limit)


def register(app: Flask) -> None:
    """Let reads past the limiter's before-request hook when no default limit is set."""
    if app.config["DISCUSS"].rate_limit_default:
        return
    hooks = app.before_request_funcs.setdefault(None, [])
    app.before_request_funcs[None] = [_writes_only(h) if _is_limiter_check(h) else h
                                      for h in hooks]


def limits_reads(app: Flask) -> bool:
    """Whether the limiter's hook still runs for every request, reads included."""
    return any(_is_limiter_check(h) for h in app.before_request_funcs.get(None, []))
