"""What the no-JS thread page reads from its query string and its form."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, pre_load, validate

from discuss.models import THREAD_KEY_MAX
from discuss.schemas.fields import MAX_ID, Text, http_url
from discuss.services.listing import SortOrder

_ID = {"strict": False, "validate": validate.Range(min=1, max=MAX_ID)}


class ThreadPageQuery(Schema):
    """Which thread to show, in which order, which page, and what just happened."""

    class Meta:
        unknown = EXCLUDE  # a link may carry tracking parameters; they change nothing

    site = Text(required=True, validate=validate.Length(min=1, max=64))
    thread = Text(required=True, validate=validate.Length(min=1, max=THREAD_KEY_MAX))
    sort = fields.Enum(SortOrder, by_value=True, load_default=SortOrder.OLDEST)
    cursor = Text(load_default=None, validate=validate.Length(max=500))
    reply = fields.Integer(load_default=None, **_ID)
    posted = fields.Integer(load_default=None, **_ID)
    held = fields.Boolean(load_default=False)
    lang = Text(load_default=None, validate=validate.Length(max=16))
    # The article's address and title, for a thread that its first comment creates here.
    url = http_url(2048)
    title = Text(load_default=None, validate=validate.Length(max=500))


class CommentForm(Schema):
    """The comment form as a browser posts it: every value a string, empty meaning absent."""

    class Meta:
        unknown = RAISE

    OPTIONAL = ("parent_id", "author_name", "author_email", "author_url", "form_token",
                "website", "sort", "lang", "cursor", "thread_url", "thread_title")

    site = Text(required=True, validate=validate.Length(min=1, max=64))
    thread = Text(required=True, validate=validate.Length(min=1, max=THREAD_KEY_MAX))
    parent_id = fields.Integer(allow_none=True, **_ID)
    author_name = Text(allow_none=True, validate=validate.Length(max=100))
    author_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    author_url = http_url(500)
    body = Text(required=True, validate=validate.Length(max=100_000))
    form_token = Text(allow_none=True, validate=validate.Length(max=1000))
    website = Text(allow_none=True, validate=validate.Length(max=2000))
    sort = fields.Enum(SortOrder, by_value=True, allow_none=True)
    cursor = Text(allow_none=True, validate=validate.Length(max=500))
    lang = Text(allow_none=True, validate=validate.Length(max=16))
    thread_url = http_url(2048)
    thread_title = Text(allow_none=True, validate=validate.Length(max=500))

    @pre_load
    def blank_is_absent(self, data: Any, **_: Any) -> Any:
        """An empty optional input means the reader left it out."""
        if not hasattr(data, "items"):
            return data
        cleaned = {key: value for key, value in data.items()}
        for name in self.OPTIONAL:
            if isinstance(cleaned.get(name), str) and not cleaned[name].strip():
                cleaned[name] = None
            elif isinstance(cleaned.get(name), str) and name != "website":
                cleaned[name] = cleaned[name].strip()
        return cleaned
