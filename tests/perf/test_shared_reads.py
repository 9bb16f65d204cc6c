"""Overlapping reads of one thread's state share a query, never one older than their own.

``discuss/shared_reads.py``: a read that finds its query in flight waits for the next one,
which all reads arriving meanwhile share; no read takes the rows of a query sent before it
asked, so read-after-write holds. On PostgreSQL the listing's state query is shared; on
SQLite each read runs its own.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from discuss.extensions import db
from discuss.pool import reader_connections
from discuss.shared_reads import SharedReads
from tests.reliability import faultkit

WAIT = 10.0  # seconds; only ever reached when the behaviour under test is broken


wait_until = functools.partial(faultkit.wait_until, timeout=WAIT, interval=0.001)


class Reader(threading.Thread):
    """Calls ``read`` in a thread of its own and keeps what it returned or raised."""

    def __init__(self, read: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.read = read
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.read()
        except BaseException as error:  # noqa: BLE001  (kept for the test to look at)
            self.error = error

    def outcome(self) -> Any:
        self.join(WAIT)
        assert not self.is_alive(), "still waiting"
        if self.error is not None:
            raise self.error
        return self.result


class Queries:
    """A stand-in for a query: numbered calls, each held while its number is in ``held``
    until released; a given call can be made to fail."""

    def __init__(self, held: tuple[int, ...] = (0,), failing: int | None = None) -> None:
        self.started: list[int] = []
        self.release = {number: threading.Event() for number in held}
        self.failing = failing
        self._numbering = threading.Lock()

    def __call__(self) -> str:
        with self._numbering:
            number = len(self.started)
            self.started.append(number)
        if number in self.release:
            assert self.release[number].wait(WAIT)
        if number == self.failing:
            raise RuntimeError(f"query {number} failed")
        return f"rows of query {number}"


def started(readers: list[Reader]) -> list[Reader]:
    for reader in readers:
        reader.start()
    return readers


def test_a_read_alone_runs_its_own_query_every_time() -> None:
    shared, queries = SharedReads(), Queries(held=())
    assert shared.read("thread", queries) == "rows of query 0"
    assert shared.read("thread", queries) == "rows of query 1"  # nothing is kept
    assert shared.waiting() == 0


def test_reads_arriving_while_a_query_is_in_flight_share_the_next_one() -> None:
    shared, queries = SharedReads(), Queries()
    first = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    later = started([Reader(lambda: shared.read("thread", queries)) for _ in range(3)])
    wait_until(lambda: shared.waiting() == 3)
    assert queries.started == [0]  # one query in flight at a time
    queries.release[0].set()
    assert first.outcome() == "rows of query 0"
    assert [reader.outcome() for reader in later] == ["rows of query 1"] * 3
    assert queries.started == [0, 1]
    assert shared.waiting() == 0
    assert shared.read("thread", queries) == "rows of query 2"  # and then at once again


def test_a_read_arriving_after_the_next_query_was_sent_waits_for_a_later_one() -> None:
    shared, queries = SharedReads(), Queries(held=(0, 1))
    first = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    second = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: shared.waiting() == 1)
    queries.release[0].set()
    wait_until(lambda: queries.started == [0, 1])  # the second's query is on its way
    third = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: shared.waiting() == 1)  # it boards the query after, not that one
    queries.release[1].set()
    assert [first.outcome(), second.outcome(), third.outcome()] == [
        "rows of query 0", "rows of query 1", "rows of query 2"]


def test_another_key_does_not_wait() -> None:
    shared, queries = SharedReads(), Queries()
    first = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    assert shared.read("another thread", lambda: "its own rows") == "its own rows"
    queries.release[0].set()
    assert first.outcome() == "rows of query 0"


def test_a_failed_query_is_not_shared_its_riders_run_their_own() -> None:
    shared, queries = SharedReads(), Queries(failing=1)
    first = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    later = started([Reader(lambda: shared.read("thread", queries)) for _ in range(3)])
    wait_until(lambda: shared.waiting() == 3)
    queries.release[0].set()
    assert first.outcome() == "rows of query 0"
    for reader in later:
        reader.join(WAIT)
    failed = [reader for reader in later if reader.error is not None]
    assert len(failed) == 1 and str(failed[0].error) == "query 1 failed"
    assert sorted(reader.outcome() for reader in later if reader not in failed) == [
        "rows of query 2", "rows of query 3"]
    assert shared.waiting() == 0


def test_no_read_waits_long_for_a_query_that_is_stuck() -> None:
    """A query held far beyond ``patience``: the next one goes without it, carrying the
    reads that boarded it, and a read after that does the same; none waits for the stuck
    one to come back."""
    shared, queries = SharedReads(patience=0.3), Queries()
    stuck = started([Reader(lambda: shared.read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    boarded = started([Reader(lambda: shared.read("thread", queries)) for _ in range(2)])
    wait_until(lambda: shared.waiting() == 2)
    assert [reader.outcome() for reader in boarded] == ["rows of query 1"] * 2
    assert shared.read("thread", queries) == "rows of query 2"
    assert stuck.is_alive()
    queries.release[0].set()
    assert stuck.outcome() == "rows of query 0"
    assert shared.waiting() == 0
    assert shared.read("thread", queries) == "rows of query 3"


def _held_state_reads(app: Flask) -> tuple[threading.Event, list[str]]:
    """Hold the first run of the listing's state query (the site joined with its thread)
    on a reader connection after it has read its row; record every run."""
    with app.app_context():
        readers = reader_connections(db.engine)
    run, release, state_reads = readers.run, threading.Event(), []

    def run_then_hold(connection: Any, sql: str, args: Any, first_only: bool) -> list[tuple]:
        rows = run(connection, sql, args, first_only)
        if "FROM sites LEFT OUTER JOIN threads" in sql:
            state_reads.append(sql)
            if len(state_reads) == 1:
                assert release.wait(WAIT)
        return rows

    readers.run = run_then_hold  # type: ignore[method-assign]
    return release, state_reads


def test_readers_who_asked_after_a_post_see_it_while_an_older_read_is_in_flight(
        app: Flask, site: str, post_comment: Callable[..., Any], backend: str) -> None:
    listing = "/api/v1/comments?site=news&thread=article-1"
    assert post_comment("The first comment.").status_code == 201

    def comments_seen() -> list[str]:
        response = app.test_client().get(listing)
        assert response.status_code == 200
        return [comment["html"] for comment in response.get_json()["comments"]]

    assert len(comments_seen()) == 1  # and that page is now in the listing cache
    release, state_reads = _held_state_reads(app)
    with app.app_context():
        shared = reader_connections(db.engine).shared_reads()
    before = Reader(comments_seen)
    before.start()
    wait_until(lambda: len(state_reads) == 1)  # its state is read, and held
    assert post_comment("The second comment.").status_code == 201
    after = [Reader(comments_seen) for _ in range(2)]
    for reader in after:
        reader.start()
    if backend == "postgresql":  # they wait for a query of their own, shared
        wait_until(lambda: shared.waiting() == 2)
        assert len(state_reads) == 1
        release.set()
    seen_after = [reader.outcome() for reader in after]  # on SQLite: before the release
    release.set()
    assert len(before.outcome()) == 1  # it asked before the post: the cached page
    assert [len(seen) for seen in seen_after] == [2, 2]
    assert len(state_reads) == (2 if backend == "postgresql" else 3)


def test_a_forked_child_does_not_wait_for_its_parents_reads(make_app: Callable[..., Flask]
                                                           ) -> None:
    """A process forked while a parent's thread has a query in flight (a server that
    preloads the app) has no such thread: its reads of the same key run at once."""
    with make_app().app_context():
        readers = reader_connections(db.engine)
    queries = Queries()
    parent = started([Reader(lambda: readers.shared_reads().read("thread", queries))])[0]
    wait_until(lambda: queries.started == [0])
    child = os.fork()
    if child == 0:  # pragma: no cover  (the child reports through its exit code)
        signal.alarm(int(WAIT))  # waiting would be the failure: end it, never hang
        try:
            read = readers.shared_reads().read("thread", lambda: "the child's own rows")
            os._exit(0 if read == "the child's own rows" else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    queries.release[0].set()
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent.outcome() == "rows of query 0"
