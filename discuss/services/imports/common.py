"""What every importer shares: choices, errors, field cleaning and safe streaming XML."""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from discuss.errors import Invalid

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while a file is read (bytes for XML, comments else)."""

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}$")


class ThreadKey(enum.StrEnum):
    """What becomes our thread key: use what the site's embed code sends as ``data-thread``."""

    PATH = "path"
    URL = "url"
    ID = "id"


class ImportFailed(Invalid):
    """The file cannot be imported as it is; nothing was written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Cannot import {path.name}: {reason}. Nothing was imported.",
                         {"file": [reason]})


def no_progress(done: int, total: int) -> None:
    """The progress callback used when nobody watches."""


def clean_text(value: str | None, limit: int) -> str | None:
    """Trimmed single-line text within a column's limit, or None when empty."""
    value = " ".join((value or "").split())
    return value[:limit] or None


def clean_email(value: str | None) -> str | None:
    """A lower-cased address when it looks like one; other values are dropped."""
    value = (value or "").strip().lower()
    return value if len(value) <= 254 and _EMAIL.match(value) else None


def clean_url(value: str | None, limit: int = 500) -> str | None:
    """Only http(s) URLs with a host are kept (an author link must never run script)."""
    value = (value or "").strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(value) > limit:
        return None
    if any(ord(char) < 33 for char in value):
        return None
    return value


def clean_ip(value: str | None) -> str | None:
    """A valid IPv4/IPv6 address in canonical form, else None."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def parse_time(path: Path, value: str | None, what: str) -> datetime:
    """An ISO 8601 time as aware UTC (naive times are taken as UTC); a bad one stops the import."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise ImportFailed(path, f"{what} has no valid date ({value!r})") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def thread_key(choice: ThreadKey, url: str | None, source_id: str | None) -> str:
    """The thread key for an article, falling back when the chosen part is missing."""
    url = (url or "").strip()
    source_id = (source_id or "").strip()
    if choice is ThreadKey.URL and url:
        return url
    if choice is ThreadKey.ID and source_id:
        return source_id
    if url:
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path
    return source_id


def local_name(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def child(element: Element | None, name: str) -> Element | None:
    """The first child with this local name."""
    if element is None:
        return None
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def child_text(element: Element | None, name: str) -> str:
    """The stripped text of the first child with this local name ('' when absent)."""
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""


def attribute(element: Element | None, name: str) -> str:
    """An attribute by local name, whatever its namespace prefix."""
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if local_name(key) == name:
            return value.strip()
    return ""


class CountingReader:
    """Wraps the file so progress can follow the bytes the parser has read."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.position += len(data)
        return data


def iter_records(path: Path, *, root: str, depth: int, names: frozenset[str], what: str,
                 progress: Progress) -> Iterator[tuple[str, Element]]:
    """Stream the record elements at ``depth`` below the root, freeing each once handled.

    The parser refuses entity declarations and external references (defusedxml), so a
    hostile export cannot expand itself or reach the network; memory stays at one record.
    """
    import defusedxml.ElementTree as SafeET  # loaded by the first file, not by every worker
    from defusedxml import DefusedXmlException

    total = max(path.stat().st_size, 1)
    with path.open("rb") as handle:
        reader = CountingReader(handle)
        stack: list[Element] = []
        try:
            for event, element in SafeET.iterparse(reader, events=("start", "end")):
                if event == "start":
                    if not stack and local_name(element.tag) != root:
                        raise ImportFailed(path, f"this is not {what} (it starts with "
                                                 f"<{local_name(element.tag)}>, not <{root}>)")
                    stack.append(element)
                    continue
                stack.pop()
                if len(stack) != depth:
                    continue
                name = local_name(element.tag)
                if name in names:
                    yield name, element
                    progress(reader.position, total)
                stack[-1].remove(element)
        except ParseError as error:
            raise ImportFailed(path, f"the XML is malformed ({error})") from None
        except DefusedXmlException:
            raise ImportFailed(path, "the XML declares entities or external references, "
                                     "which are refused for safety") from None
    progress(total, total)
