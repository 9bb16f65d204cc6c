"""Readers of one hot row share its query, and never one older than their own would be.

A popular article's readers ask for the same thread's state many times a second, and in a
worker with several threads those asks overlap: while one waits for the database, others
arrive for the same row. Each would send the same query. Here a read that finds a query of
its key in flight waits for the next one instead, which every read arriving meanwhile
boards too and which is sent when the one in flight is back: one round trip for all of
them. No read takes the rows of a query sent before it asked, so it sees every change
committed before it asked, exactly as its own query would (read-after-write holds across
processes). While queries succeed, a key has one query in flight in a worker, and a read
waits for the end of the one in flight and then its own. A query that takes longer than
``patience`` is not waited for: the next one goes without it, and readers waiting for one
that long run their own, so a stuck connection holds up no other reader for long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

T = TypeVar("T")
PATIENCE = 1.0  # seconds: far beyond a normal query, well within a request's time limit


def _wait(latch: threading.Lock, timeout: float) -> bool:
    """Whether ``latch`` was released within ``timeout`` seconds (then passed on at once to
    the next thread waiting for it)."""
    if latch.acquire(timeout=timeout):
        latch.release()
        return True
    return False


class _Flight(Generic[T]):
    """One query and the reads waiting for its rows.

    ``cleared`` is released when the query may be sent (the one before it is back);
    ``landed`` when its rows, or its failure, are known. Both are locks used as one-shot
    latches, as light as a wait can be.
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


class SharedReads:
    """Overlapping reads of one key share one query sent after all of them asked."""

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._lock = threading.Lock()
        self._in_flight: dict[Hashable, _Flight] = {}
        self._boarding: dict[Hashable, _Flight] = {}  # the next query of a key, not yet sent

    def read(self, key: Hashable, run: Callable[[], T]) -> T:
        """``run()``'s result, or that of a call of it for the same key that started after
        this one was made (keys compare with ``==``: give values of one type). A query that
        fails is not shared: each of its riders runs its own (an error raised in one thread
        stays that thread's)."""
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
        if not leads:  # the one in flight, then this one
            if _wait(flight.landed, 2 * self.patience) and not flight.failed:
                return cast(T, flight.rows)
            return run()
        try:
            _wait(flight.cleared, self.patience)  # the query before it is back (at once, if none)
            self._send(key, flight)
            flight.rows = run()
        except BaseException:
            flight.failed = True
            raise
        finally:
            self._land(key, flight)
        return cast(T, flight.rows)

    def _send(self, key: Hashable, flight: _Flight) -> None:
        """Close boarding: a query not cleared in time goes now, beside the one in flight."""
        with self._lock:
            if self._boarding.get(key) is flight:
                del self._boarding[key]

    def _land(self, key: Hashable, flight: _Flight) -> None:
        """Let the next query of the key go, then hand this one's rows to its riders."""
        following = None
        with self._lock:
            if self._boarding.get(key) is flight:  # given up before it was sent
                del self._boarding[key]
            elif self._in_flight.get(key) is flight:
                following = self._boarding.pop(key, None)
                if following is not None:
                    self._in_flight[key] = following
                else:
                    del self._in_flight[key]
            # else it went without waiting for the one in flight, and is in neither
        if following is not None:
            following.cleared.release()
        flight.landed.release()

    def waiting(self) -> int:
        """Reads waiting for a query not yet sent (its leader and its riders), every key: for
        the tests and an operator's debugging."""
        with self._lock:
            return sum(flight.riders + 1 for flight in self._boarding.values())
