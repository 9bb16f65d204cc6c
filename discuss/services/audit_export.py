"""The audit log as a file: CSV for a spreadsheet, JSON Lines for a program.

A compliance review or a dispute needs the whole trail of a site, not a page of it: these
stream every event the asker may see, oldest first, a batch of rows at a time.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from discuss.errors import Invalid

MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl"}
FORMATS = tuple(MEDIA_TYPES)
COLUMNS = ("id", "time", "actor", "action", "site", "thread_id", "comment_id",
           "previous_status", "new_status", "note")
# A spreadsheet runs a cell that starts like a formula; notes and names come from people.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def event_record(event: Row) -> dict[str, Any]:
    """One event (a row of ``audit.all_events``) as plain values, times in RFC 3339 UTC."""
    return {"time" if name == "created_at" else name: _plain(value)
            for name, value in event._mapping.items()}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_lines(events: Iterable[Row]) -> Iterator[str]:
    """A header, then one line per event (CSV as RFC 4180 writes it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in events:
        record = event_record(event)
        writer.writerow([_cell(record[name]) for name in COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_lines(events: Iterable[Row]) -> Iterator[str]:
    """One JSON object per line."""
    for event in events:
        yield json.dumps(event_record(event), ensure_ascii=False) + "\n"


def lines(events: Iterable[Row], file_format: str) -> Iterator[str]:
    """The events in the chosen format."""
    if file_format == "csv":
        return csv_lines(events)
    if file_format == "jsonl":
        return json_lines(events)
    raise Invalid("Unknown format.", {"format": [f"Use one of: {', '.join(FORMATS)}."]})
