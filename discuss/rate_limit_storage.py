"""Where the rate limiter keeps its counts without Redis: in the process, swept lazily.

The ``limits`` library's memory storage starts a timer thread after a count (unless one is
pending) that walks every key 10 ms later, to free the expired ones. Each address that
posts leaves two keys (the minute's and the hour's count), so in a burst of comments from
many readers that walk grows with every new address and runs up to a hundred times a
second per worker: a sweep of 90,000 keys takes about 7 ms. Nothing depends on the sweep
but memory (a count checks its own key's expiry first), so here the request that counts
sweeps, at most once every ``sweep_every`` seconds, and no thread is started per count.
The same storage holds the counts while Redis is away: Flask-Limiter's fallback would
otherwise be the library's own, timers and all, just when a site may be busiest.

The counts of a fixed window are kept under one lock for all keys. The base class keeps a
lock per key, made on its first count and kept as long as the key: with the hour's count
of every address that posted, that was about a third of what each address cost a worker's
memory, for a critical section of a few dictionary operations that never waits on I/O.
The sweep holds the lock too (about 7 ms once a second at 90,000 keys), so that no count
starts a new window just as the sweep frees the old one.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask_limiter import Limiter
from limits.storage import MemoryStorage

SCHEME = "discuss-memory"
_HOOK, _SWEEP = "_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events"

if not all(callable(getattr(MemoryStorage, name, None)) for name in (_HOOK, _SWEEP)):
    # Without these the override below would silently do nothing (the timers return) or
    # fail on every count, which the limiter swallows: stop at start-up instead.
    raise ImportError(f"limits.storage.MemoryStorage lacks {_HOOK} or {_SWEEP}; "
                      "discuss.rate_limit_storage needs updating for this limits version")


class LazilySweptMemoryStorage(MemoryStorage):
    """``memory://`` with the sweep moved from a timer thread into the counting request."""

    STORAGE_SCHEME = [SCHEME]
    sweep_every = 1.0  # seconds

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the base class arms one at once
        self._next_sweep = 0.0
        self._counting = threading.Lock()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Count ``amount`` under ``key``; its window starts with its first count."""
        self._MemoryStorage__schedule_expiry()
        with self._counting:
            count = super().get(key) + amount
            self.storage[key] = count
            if count == amount:
                self.expirations[key] = time.time() + expiry
        return count

    def decr(self, key: str, amount: int = 1) -> int:
        """Take back ``amount`` from ``key`` (never below zero)."""
        with self._counting:
            count = max(super().get(key) - amount, 0)
            self.storage[key] = count
        return count

    def get(self, key: str) -> int:
        """The key's count in its current window (0 once the window is over): the base
        class's reading, which frees an expired key, under the lock."""
        with self._counting:
            return super().get(key)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class calls this on a count
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_every  # two threads may both sweep: harmless
        with self._counting:  # no count starts over while the sweep frees its key
            try:
                getattr(self, _SWEEP)()
            except KeyError:
                pass  # a key cleared meanwhile (a limit reset): the next sweep goes on


def sweep_fallback_lazily(limiter: Limiter) -> None:
    """Give the limiter's in-memory fallback (what counts while Redis is away) this storage.

    Flask-Limiter builds the fallback in ``init_app`` as a plain ``MemoryStorage`` and keeps
    it, with the strategy over it, in two attributes of its own; there is no setting for
    its class. ``tests/reliability/test_redis_outage.py`` notices if that changes.
    """
    replaced = getattr(limiter, "_fallback_storage", None)
    strategy = getattr(limiter, "_fallback_limiter", None)
    if replaced is None or strategy is None or isinstance(replaced, LazilySweptMemoryStorage):
        return
    replaced.timer.cancel()
    storage = LazilySweptMemoryStorage()
    limiter._fallback_storage = storage
    limiter._fallback_limiter = type(strategy)(storage)
