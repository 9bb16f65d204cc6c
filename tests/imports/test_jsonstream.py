"""The streaming reader behind ``discuss import discuss``: the values of json.loads, any chunks."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discuss.services.imports import jsonstream
from discuss.services.imports.jsonstream import ARRAY_START, JsonStreamError, iter_object

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=12,
)


@contextmanager
def _chunks(size: int) -> Iterator[None]:
    """Read the file a few bytes at a time, so every value can straddle a refill."""
    original = jsonstream._CHUNK
    jsonstream._CHUNK = size
    try:
        yield
    finally:
        jsonstream._CHUNK = original


def _read(document: str) -> dict:
    """Rebuild the object from the stream (the array from its elements)."""
    rebuilt: dict = {}
    for key, value in iter_object(io.BytesIO(document.encode("utf-8")), "threads"):
        if value is ARRAY_START:
            rebuilt[key] = []
        elif key == "threads":
            rebuilt[key].append(value)
        else:
            rebuilt[key] = value
    return rebuilt


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["site", "format", "x"]), _json, max_size=3),
       st.lists(_json, max_size=6), st.integers(1, 9), st.sampled_from([None, 1, 2]))
def test_matches_json_loads_whatever_the_chunk_size(head, threads, chunk, indent):
    document = json.dumps({**head, "threads": threads}, indent=indent, ensure_ascii=False)
    with _chunks(chunk):
        assert _read(document) == json.loads(document)


@pytest.mark.parametrize("document, message", [
    ("[1, 2]", "expected '{', found '['"),
    ('{"threads": [1, 2', "expected ',', found the end"),
    ('{"a": 1,\n "threads": [1,\n 2 3]}', "expected ',', found '3' at line 3, column 4"),
    ('{"a": tru}', "Expecting value at line 1, column 7"),
    ('{"a": 1} trailing', "unexpected data after the document at line 1, column 10"),
    ('{"a": 1', "expected ',', found the end"),
])
def test_errors_say_where(document, message):
    with _chunks(4), pytest.raises(JsonStreamError) as raised:
        _read(document)
    assert message in str(raised.value)


def test_not_utf8():
    with pytest.raises(JsonStreamError, match="not UTF-8"):
        list(iter_object(io.BytesIO(b'{"a": "\xff"}'), "threads"))
