"""Without Redis the limiter counts in the process: no thread per count, expired keys freed
by a later count at most once per interval, and the limits themselves unchanged."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

from discuss.extensions import limiter
from discuss.rate_limit_storage import LazilySweptMemoryStorage


def test_posting_counts_in_the_process_without_starting_a_thread(app, make_site,
                                                                  post_comment, monkeypatch):
    make_site(spam_checks=[{"name": "flood", "options": {}}])
    started: list[threading.Timer] = []
    start = threading.Timer.start

    def record(timer: threading.Timer) -> None:
        started.append(timer)
        start(timer)

    monkeypatch.setattr(threading.Timer, "start", record)

    answers = [post_comment(f"Comment number {n} on the article.", ip=f"192.0.2.{n}")
               for n in range(1, 4)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    storage = limiter.storage
    assert isinstance(storage, LazilySweptMemoryStorage)
    assert all(any(f"192.0.2.{n}" in key for key in storage.storage) for n in range(1, 4))
    assert started == []


def test_a_later_count_frees_expired_keys():
    storage = LazilySweptMemoryStorage()
    storage.sweep_every = 0.05
    storage.incr("reader-a", expiry=0.01)
    time.sleep(0.1)

    storage.incr("reader-b", expiry=60)

    assert "reader-a" not in storage.storage
    assert storage.get("reader-b") == 1


def test_sweeps_at_most_once_per_interval_and_never_counts_an_expired_key():
    storage = LazilySweptMemoryStorage()
    storage.sweep_every = 3600
    storage.incr("reader-a", expiry=60)  # the first count sweeps, the next one in an hour
    storage.incr("reader-b", expiry=0.01)
    time.sleep(0.05)

    storage.incr("reader-c", expiry=60)

    assert "reader-b" in storage.storage  # expired, not yet freed
    assert storage.incr("reader-b", expiry=60) == 1  # a count checks its own key first


class _FreedMidSweep(dict):
    """Expirations in which one key is freed by another request while a sweep walks."""

    def __getitem__(self, key: str) -> float:
        if key == "freed-meanwhile":
            raise KeyError(key)
        return super().__getitem__(key)


def test_a_key_freed_during_the_sweep_costs_no_count():
    storage = LazilySweptMemoryStorage()
    storage.expirations = _FreedMidSweep(storage.expirations)
    storage.expirations["freed-meanwhile"] = 0.0

    assert storage.incr("reader-a", expiry=60) == 1
    assert storage.incr("reader-a", expiry=60) == 2


def test_a_new_app_starts_with_its_storage_alive(make_app, make_site, post_comment):
    """An outage an earlier app saw (the limiter object is shared) must not make this one
    count in the fallback and then drop those counts when its storage is checked again."""
    limiter._storage_dead = True
    limiter._Limiter__last_check_backend = time.time()  # next check of the storage: in 1 s
    limiter._Limiter__check_backend_count = 0
    make_app()
    make_site(spam_checks=[{"name": "flood", "options": {"limit": "2 per minute"}}])
    first = [post_comment(f"Comment number {n}.", ip="192.0.2.9").status_code for n in range(2)]
    time.sleep(1.1)
    assert first + [post_comment("One more.", ip="192.0.2.9").status_code] == [201, 201, 429]


def test_posting_addresses_leave_no_lock_behind(app, make_site, post_comment):
    """An address's counts live for the hour: each one must cost its counts and no more."""
    make_site(spam_checks=[{"name": "flood", "options": {}}])

    answers = [post_comment(f"Comment number {n} on the article.", ip=f"192.0.2.{n}")
               for n in range(1, 6)]

    assert [a.status_code for a in answers] == [201] * 5
    storage = limiter.storage
    assert len(storage.storage) >= 5 and len(storage.expirations) == len(storage.storage)
    assert len(storage.locks) == 0


@pytest.fixture
def switching_often() -> Iterator[None]:
    """Threads switch mid-count as often as the interpreter lets them."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_counts_from_many_threads_add_up(switching_often):
    storage = LazilySweptMemoryStorage()
    storage.sweep_every = 3600  # the first count sweeps; the rest only count
    start = threading.Barrier(8)

    def count(reader: int) -> None:
        start.wait()
        for _ in range(2000):
            storage.incr("shared", expiry=60)
            storage.incr(f"reader-{reader}", expiry=60)

    threads = [threading.Thread(target=count, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert storage.get("shared") == 16000
    assert [storage.get(f"reader-{n}") for n in range(8)] == [2000] * 8


class _CountedMidSweep(dict):
    """Expirations in which another request counts a key again just as the sweep has found
    its window over, before the sweep frees it."""

    def __init__(self, storage: LazilySweptMemoryStorage, key: str) -> None:
        super().__init__(storage.expirations)
        self.storage, self.key, self.counter = storage, key, None

    def __getitem__(self, key: str) -> float:
        found = super().__getitem__(key)
        if key == self.key and self.counter is None:
            self.counter = threading.Thread(target=self.storage.incr, args=(key, 60))
            self.counter.start()
            self.counter.join(timeout=0.2)  # done at once, unless the sweep holds it back
        return found


def test_a_sweep_never_frees_a_window_a_count_has_just_started():
    storage = LazilySweptMemoryStorage()
    storage.sweep_every = 3600
    storage.incr("reader-a", expiry=0.001)
    time.sleep(0.01)  # reader-a's window is over, and not yet freed
    expirations = storage.expirations = _CountedMidSweep(storage, "reader-a")
    storage._next_sweep = 0.0  # the next count sweeps

    storage.incr("reader-b", expiry=60)
    assert expirations.counter is not None
    expirations.counter.join()

    assert storage.get("reader-a") == 1  # the new window's first count
    assert storage.get_expiry("reader-a") > time.time() + 50


def test_a_window_is_set_by_its_first_count_and_starts_over_once_expired():
    storage = LazilySweptMemoryStorage()
    assert storage.incr("reader-a", expiry=60) == 1
    window_ends = storage.get_expiry("reader-a")
    assert storage.incr("reader-a", expiry=60) == 2
    assert storage.get_expiry("reader-a") == window_ends  # later counts do not move it
    assert storage.decr("reader-a", amount=5) == 0  # never below zero

    storage.incr("reader-b", expiry=0.01)
    time.sleep(0.05)
    assert storage.get("reader-b") == 0
    assert storage.incr("reader-b", expiry=60) == 1
    assert storage.get_expiry("reader-b") > time.time() + 50
