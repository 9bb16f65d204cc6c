"""Request parsing for the API: webargs, hardened against bodies the JSON decoder chokes on."""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class SafeParser(FlaskParser):
    """Treats absurdly nested JSON as invalid JSON (400) instead of a recursion crash."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint using the hardened parser."""

    ARGUMENTS_PARSER = SafeParser()
