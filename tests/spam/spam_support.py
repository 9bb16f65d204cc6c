"""Small helpers shared by the spam tests."""

from __future__ import annotations

from typing import Any


def record(records: list[dict[str, Any]], check: str) -> dict[str, Any]:
    """The record of one check among a comment's records."""
    found = [r for r in records if r["check"] == check]
    assert len(found) == 1, records
    return found[0]
