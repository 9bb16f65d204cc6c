"""Answers to listing pages' counts requests, kept by one worker for a few seconds.

A news site's front page asks for the same counts for every reader who opens it, and
between two comments every one of those answers is the same bytes. A worker keeps each
answer for ``DISCUSS_COUNTS_CACHE_SECONDS`` and sends it again without the query, the
parsing and the CORS decision. A count may therefore lag a change by that long, which a
"12 comments" link can afford; comments themselves are never served from here (the
thread's first page is checked against the thread's version on every read).

An answer is kept under everything the request adds to it: the query string, the Origin
(CORS), the scheme (security headers) and the host (same-origin reads), each as the request
arrives, before ProxyFix: so the forwarded scheme and host it would apply are part of the
key too (``fast_reads.KeptCounts`` looks answers up in front of it). What the database
adds may lag by the window too: a site's new or removed origin, or a site removed. Only 200
answers of the readers' fast path are kept; errors always go through Flask.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 1024  # distinct counts requests per worker; a full cache drops its oldest


@dataclass(frozen=True)
class Answer:
    """A whole answer but its request id, which every request gets its own of."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    expires: float


def answer_key(environ: dict[str, Any]) -> tuple[Any, ...]:
    """What a counts answer depends on, as the request arrives: ProxyFix, when trusted, takes
    the scheme, host and port from ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` (never
    from ``X-Forwarded-Port`` or ``-Prefix``, which discuss does not trust)."""
    return (environ.get("QUERY_STRING"), environ.get("HTTP_ORIGIN"),
            environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
            environ.get("HTTP_X_FORWARDED_PROTO"), environ.get("HTTP_X_FORWARDED_HOST"))


class RecentAnswers:
    """Answers by key for ``seconds`` each; at most ``max_entries`` of them."""

    def __init__(self, seconds: int, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock
        self._answers: dict[tuple[Any, ...], Answer] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Answer | None:
        """The answer kept under ``key`` if it is still young enough."""
        answer = self._answers.get(key)
        if answer is None or answer.expires <= self.clock():
            return None
        return answer

    def keep(self, key: tuple[Any, ...], asked_at: float, status: str,
             headers: list[tuple[str, str]], body: bytes) -> None:
        """Keep an answer for ``seconds`` from ``asked_at`` (``clock()`` before it was
        computed), so that no change stays unseen longer than that, however long the query
        took; an answer asked for earlier than the one kept does not replace it."""
        answer = Answer(status, tuple(headers), body, asked_at + self.seconds)
        with self._lock:
            answers = self._answers
            kept = answers.pop(key, None)  # re-inserted last: the dict's order is the age
            if kept is not None and kept.expires > answer.expires:
                answer = kept
            while len(answers) >= self.max_entries:  # order, so the first to go expires first
                del answers[next(iter(answers))]
            answers[key] = answer
