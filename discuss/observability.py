"""What the service counts for operators, recorded from any layer without importing the web.

The metrics live in prometheus-client's default registry. With PROMETHEUS_MULTIPROC_DIR
set (several gunicorn workers), prometheus-client keeps each value in a per-process file
and ``/metrics`` sums them, so every worker's counts appear in one scrape.
"""

from __future__ import annotations

import enum
import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CHECK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "discuss_http_requests", "HTTP requests answered, by route, method and status.",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "discuss_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["endpoint", "method"], buckets=LATENCY_BUCKETS,
)
COMMENTS = Counter(
    "discuss_comments", "Comments submitted, by the status they were stored with.", ["outcome"],
)
SPAM_VERDICTS = Counter(
    "discuss_spam_check_verdicts", "Spam check answers, by check and verdict.",
    ["check", "verdict"],
)
SPAM_DURATION = Histogram(
    "discuss_spam_check_duration_seconds", "Time one spam check took, by check.",
    ["check"], buckets=CHECK_BUCKETS,
)
DATABASE_UNAVAILABLE = Counter(
    "discuss_database_unavailable", "Requests answered 503 because the database was unreachable.",
)
FALLBACKS = Counter(
    "discuss_fallbacks", "Times a shared backend (Redis) failed and an in-process fallback served.",
    ["component"],
)


def _label(value: object) -> str:
    return value.value if isinstance(value, enum.Enum) else str(value)


@functools.lru_cache(maxsize=1024)  # routes × methods × statuses: a few dozen in practice
def _request_series(endpoint: str, method: str, status: int) -> tuple[Any, Any]:
    """The two series one kind of answer goes to: finding a labelled series takes a lock
    and longer than counting in it, and every request does both."""
    return (HTTP_REQUESTS.labels(endpoint, method, str(status)),
            HTTP_LATENCY.labels(endpoint, method))


def record_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """One answered HTTP request (the web layer calls this after every response)."""
    answered, latency = _request_series(endpoint, method, status)
    answered.inc()
    latency.observe(max(seconds, 0.0))


def record_comment(outcome: object) -> None:
    """A comment was stored with this status (approved, pending, spam)."""
    COMMENTS.labels(_label(outcome)).inc()


@functools.lru_cache(maxsize=1024)  # checks × verdicts: a few dozen in practice
def _verdict_series(check: str, verdict: str) -> Any:
    """Found once, as a request's series are: every post records each check's answer."""
    return SPAM_VERDICTS.labels(check, verdict)


@functools.lru_cache(maxsize=256)
def _duration_series(check: str) -> Any:
    return SPAM_DURATION.labels(check)


def record_spam_verdict(check: str, verdict: object) -> None:
    """One spam check's answer: ham, unsure, spam, or error (raised, timed out, no verdict)."""
    _verdict_series(check, _label(verdict)).inc()


def record_spam_duration(check: str, seconds: float) -> None:
    """How long one run of a spam check took (recorded when it ends, even after a timeout)."""
    _duration_series(check).observe(max(seconds, 0.0))


def record_spam_check(check: str, verdict: object, seconds: float) -> None:
    """Both at once, for a check that ran in the caller's thread."""
    record_spam_verdict(check, verdict)
    record_spam_duration(check, seconds)


@contextmanager
def timed_spam_check(check: str) -> Iterator[list[object]]:
    """Time a check: ``with timed_spam_check("links") as out: out.append(verdict_kind)``."""
    outcome: list[object] = []
    started = time.perf_counter()
    try:
        yield outcome
    except BaseException:
        record_spam_check(check, "error", time.perf_counter() - started)
        raise
    record_spam_check(check, outcome[-1] if outcome else "error", time.perf_counter() - started)


def record_database_unavailable() -> None:
    """A request was refused with 503 because the database could not be reached."""
    DATABASE_UNAVAILABLE.inc()


def record_fallback(component: str) -> None:
    """A shared backend failed and the in-process fallback took over."""
    FALLBACKS.labels(component).inc()


def multiprocess_dir() -> str | None:
    """The folder shared by gunicorn workers for their metric files, if configured."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """Every metric in the Prometheus text format, summed over workers when they share a dir."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def mark_worker_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: drop a dead worker's live-only values."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
