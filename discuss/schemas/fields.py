"""Field types shared by the schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_ID = 2**31 - 1  # ids are INTEGER columns (32-bit on PostgreSQL)


class Text(fields.String):
    """A string that the database can always store: no NUL, no lone surrogates."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode text.") from None
        return text


class Id(fields.Integer):
    """A positive integer id that fits the database."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Timestamp(fields.DateTime):
    """RFC 3339 in UTC with a Z, as the API promises."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any):
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_url(max_length: int) -> Text:
    """An optional http(s) URL field."""
    return Text(
        allow_none=True,
        validate=[
            validate.Length(max=max_length),
            validate.URL(schemes={"http", "https"}, require_tld=False,
                         error="Must be an http or https URL."),
        ],
    )
