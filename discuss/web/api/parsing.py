"""Request parsing for the API: webargs, hardened against bodies the JSON decoder chokes on,
and remembering its answers for query strings.

Readers send the same few query strings over and over (every reader of an article asks for
the same page), so the schema's answer for a query string is kept in a small LRU: the
schema still validates each distinct string once, and a hot read skips marshmallow. Only
successful parses are kept; query schemas depend on nothing but the string itself.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

MAX_ENTRIES = 2048
MAX_QUERY_BYTES = 4096


class SafeParser(FlaskParser):
    """Treats absurdly nested JSON as invalid JSON (400) instead of a recursion crash."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None


class MemoParser(SafeParser):
    """The hardened parser with a per-process LRU for query-string arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: OrderedDict[tuple[int, bytes], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None,
              validate: Any = None, **kwargs: Any) -> Any:
        """As webargs, answered from memory for a query string parsed before."""
        if location != "query" or validate is not None:
            return super().parse(argmap, req, location=location, validate=validate, **kwargs)
        req = req if req is not None else self.get_default_request()
        raw = req.query_string
        if len(raw) > MAX_QUERY_BYTES:
            return super().parse(argmap, req, location=location, **kwargs)
        key = (id(argmap), raw)
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
        if found is None:
            found = super().parse(argmap, req, location=location, **kwargs)
            with self._lock:
                self._memo[key] = found
                if len(self._memo) > MAX_ENTRIES:
                    self._memo.popitem(last=False)
        return {name: list(value) if isinstance(value, list) else value
                for name, value in found.items()}


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint using the hardened, memoising parser."""

    ARGUMENTS_PARSER = MemoParser()
