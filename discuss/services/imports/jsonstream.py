"""Read a big JSON object whose one large member is an array, one array element at a time.

Our export puts every thread in ``"threads"``; a site's backup can run to hundreds of
megabytes, which ``json.load`` would turn into gigabytes of Python objects. Here the other
members are read whole and the array's elements are decoded one by one from a growing
buffer, so memory follows the largest thread, not the file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

ARRAY_START = object()
"""Yielded as ``(array_key, ARRAY_START)`` when the array opens, even if it is empty."""

_SPACE = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 20


class JsonStreamError(ValueError):
    """The document is not well-formed JSON (or not an object); the message says where."""


class _Buffer:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.lines_before = 0  # newlines in the text already dropped from the buffer
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self, at_least: int = _CHUNK) -> bool:
        """Drop what was read, append at least ``at_least`` more characters; False at the end."""
        if self.eof:
            return False
        self.lines_before += self.text.count("\n", 0, self.pos)
        parts = [self.text[self.pos:]]
        self.pos = 0
        wanted = at_least
        while wanted > 0:
            data = self.handle.read(max(wanted, _CHUNK))
            try:
                chunk = self.utf8.decode(data, final=not data)
            except UnicodeDecodeError:
                raise JsonStreamError("the file is not UTF-8 text") from None
            if not data:
                self.eof = True
                break
            parts.append(chunk)
            wanted -= len(chunk)
        self.text = "".join(parts)
        return True

    def fail(self, message: str, pos: int | None = None) -> JsonStreamError:
        pos = self.pos if pos is None else pos
        line = self.lines_before + self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        return JsonStreamError(f"{message} at line {line}, column {column}")

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            match = _SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "the end"
            raise self.fail(f"expected {char!r}, found {found}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                # Perhaps only cut off by the buffer: read on (doubling) and try again.
                if self._fill(max(len(self.text) - self.pos, _CHUNK)):
                    continue
                raise self.fail(error.msg, error.pos) from None
            if end == len(self.text) and self._fill():
                continue  # a number at the buffer's end may go on in the next chunk
            self.pos = end
            return value


def iter_object(handle: BinaryIO, array_key: str) -> Iterator[tuple[str, Any]]:
    """The top-level object's members in order, as (key, value); ``array_key``'s array comes
    as (key, ARRAY_START) followed by (key, element) for each element, never held whole."""
    buffer = _Buffer(handle)
    buffer.expect("{")
    closing = buffer.peek() == "}"
    while not closing:
        key = buffer.value()
        if not isinstance(key, str):
            raise buffer.fail("expected a member name")
        buffer.expect(":")
        if key == array_key and buffer.peek() == "[":
            buffer.pos += 1
            yield key, ARRAY_START
            more = buffer.peek() != "]"
            while more:
                yield key, buffer.value()
                more = buffer.peek() != "]"
                if more:
                    buffer.expect(",")
            buffer.pos += 1
        else:
            yield key, buffer.value()
        closing = buffer.peek() == "}"
        if not closing:
            buffer.expect(",")
    buffer.pos += 1
    if buffer.peek() != "":
        raise buffer.fail("unexpected data after the document")
