"""Where the rate limiter keeps its counts without Redis: in the process, swept lazily.

The ``limits`` library's memory storage starts a timer thread after a count (unless one is
pending) that walks every key 10 ms later, to free the expired ones. Each address that
posts leaves a key that lives an hour, so in a burst of comments from many readers that
walk grows with every new address and runs up to a hundred times a second per worker: a
sweep of 90,000 keys takes about 7 ms. Nothing depends on the sweep but memory (a count
checks its own key's expiry first), so here the request that counts sweeps, at most once
every ``sweep_every`` seconds, and no thread is started.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage

SCHEME = "discuss-memory"

if not callable(getattr(MemoryStorage, "_MemoryStorage__expire_events", None)):
    # Counting errors are swallowed by the limiter (a broken Redis must not refuse posts),
    # so a ``limits`` without this sweep must stop start-up, not switch the limits off.
    raise ImportError("limits.storage.MemoryStorage has no _MemoryStorage__expire_events; "
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
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class calls this on a count
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.sweep_every
            self._MemoryStorage__expire_events()
        finally:
            self._sweeping.release()
