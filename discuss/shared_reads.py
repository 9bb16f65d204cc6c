"""Readers of one hot row share its query, and never one older than their own would be.

A popular article's readers ask for the same thread's state many times a second, and in a
worker with several threads those asks overlap: while one waits for the database, others
arrive for the same row. Each would send the same query. Here a read that finds a query of
its key in flight waits for the next one instead, which every read arriving meanwhile
boards too and which is sent when the one in flight is back: one round trip for all of
them. No read takes the rows of a query sent before it asked, so it sees every change
committed before it asked, exactly as its own query would (read-after-write holds across
processes). At most one query per key is in flight in a worker, and a read waits at most
for the end of the one in flight and then its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    """One query and the reads waiting for its rows.

    ``cleared`` is released when the query may be sent (the one before it is back);
    ``landed`` when its rows, or its failure, are known. Both are locks used as one-shot
    latches: cheaper than ``threading.Event``, whose every wait allocates a lock of its own.
    """

    __slots__ = ("cleared", "landed", "rows", "failed", "riders")

    def __init__(self, cleared: bool) -> None:
        self.cleared = threading.Lock()
        if not cleared:
            self.cleared.acquire()
        self.landed = threading.Lock()
        self.landed.acquire()
        self.rows: T | None = None
        self.failed = False
        self.riders = 0

    @staticmethod
    def wait(latch: threading.Lock) -> None:
        with latch:  # released at once: the next waiter of the same latch goes on
            pass


class SharedReads:
    """Overlapping reads of one key share one query sent after all of them asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[Hashable, _Flight] = {}
        self._boarding: dict[Hashable, _Flight] = {}  # the next query of a key, not yet sent

    def read(self, key: Hashable, run: Callable[[], T]) -> T:
        """``run()``'s result, or that of a call of it for the same key that started after
        this one was made. A query that fails is not shared: each of its riders runs its
        own (its error, raised in one thread, stays that thread's)."""
        with self._lock:
            flight = self._boarding.get(key)
            if flight is not None:
                flight.riders += 1
                leads = False
            elif key in self._in_flight:
                flight = self._boarding[key] = _Flight(cleared=False)
                leads = True
            else:
                flight = self._in_flight[key] = _Flight(cleared=True)
                leads = True
        if not leads:
            _Flight.wait(flight.landed)
            return flight.rows if not flight.failed else run()  # type: ignore[return-value]
        try:
            _Flight.wait(flight.cleared)  # the query before it is back (at once, if none)
            flight.rows = run()
        except BaseException:
            flight.failed = True
            raise
        finally:
            self._land(key, flight)
        return flight.rows  # type: ignore[return-value]

    def _land(self, key: Hashable, flight: _Flight) -> None:
        """Let the next query of the key go, then hand this one's rows to its riders."""
        following = None
        with self._lock:
            if self._boarding.get(key) is flight:  # given up before it could be sent
                del self._boarding[key]
            else:
                following = self._boarding.pop(key, None)
                if following is not None:
                    self._in_flight[key] = following
                else:
                    del self._in_flight[key]
        if following is not None:
            following.cleared.release()
        flight.landed.release()

    def waiting(self) -> int:
        """Reads waiting for a query not yet sent (its leader and its riders), every key."""
        with self._lock:
            return sum(flight.riders + 1 for flight in self._boarding.values())
