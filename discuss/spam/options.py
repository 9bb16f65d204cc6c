"""Strict option fields for check configuration: JSON types only, no guessing from text.

A site's check options arrive as JSON (API, ``--json``) or as JSON literals on the command
line, so ``"3"`` for a number or ``1`` for a flag is a mistake worth reporting, not coercing.
"""

from __future__ import annotations

import json
import numbers
from typing import Any

from marshmallow import fields


class Int(fields.Integer):
    """An integer; booleans, floats and strings are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Number(fields.Float):
    """A number (integer or decimal); booleans and strings are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """true or false, nothing else."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Words(fields.List):
    """A list of non-empty strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("load_default", list)
        super().__init__(fields.String(validate=lambda s: bool(s.strip())), **kwargs)


def option_from_text(text: str) -> Any:
    """An option value typed as text: a JSON literal (3, true, ["a","b"], "x"), or the text
    itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text
