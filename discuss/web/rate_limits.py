"""Which requests the rate limiter looks at.

Every limit discuss sets is on a write (posting, signing in). Unless the operator sets a
default limit for everything (``DISCUSS_RATE_LIMIT_DEFAULT``), reads skip the limiter's
per-request work: resolving the limits of the endpoint costs a reader's request more than
the rest of a cached answer.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from discuss.extensions import limiter

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_are_unlimited() -> bool:
    """True (skip the limiter) for a read when no default limit applies to everything."""
    return request.method in READ_METHODS and not current_app.config["DISCUSS"].rate_limit_default


def register(app: Flask) -> None:
    """Put the read filter on the limiter (once per process: the limiter is shared)."""
    if reads_are_unlimited not in limiter._request_filters:  # no public way to ask
        limiter.request_filter(reads_are_unlimited)
