"""Fixtures for fault tests: private PostgreSQL and Redis servers a test may stop and start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.faultkit import ThrowawayPostgres, ThrowawayRedis


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A private, running PostgreSQL the test may stop and start (never the shared server)."""
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()
