"""Where the rate limiter keeps its counts without Redis: in the process, swept lazily.

The ``limits`` library's memory storage starts a timer thread after a count (unless one is
pending) that walks every key 10 ms later, to free the expired ones. Each address that
posts leaves two keys (the minute's and the hour's count), so in a burst of comments from
many readers that walk grows with every new address and runs up to a hundred times a
second per worker: a sweep of 90,000 keys takes about 7 ms. Nothing depends on the sweep
but memory (a count checks its own key's expiry first), so here the request that counts
sweeps, at most once every ``sweep_every`` seconds, and no thread is started per count.
"""

from __future__ import annotations

import time
from typing import Any

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

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class calls this on a count
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_every  # two threads may both sweep: harmless
        try:
            getattr(self, _SWEEP)()
        except KeyError:
            pass  # another request freed a key while this sweep walked: the next one goes on
