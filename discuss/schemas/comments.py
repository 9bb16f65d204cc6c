"""Schemas of the public comment API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, post_dump, validate

from discuss.models import THREAD_KEY_MAX, FlagReason
from discuss.schemas.fields import Id, Text, Timestamp, http_url
from discuss.services.listing import MAX_PAGE, SortOrder

_SITE = Text(required=True, validate=validate.Length(min=1, max=64))
_THREAD = Text(required=True, validate=validate.Length(min=1, max=THREAD_KEY_MAX))


class ThreadQuery(Schema):
    """Which thread of which site."""

    class Meta:
        unknown = EXCLUDE

    site = _SITE
    thread = _THREAD


class ListQuery(ThreadQuery):
    """Listing parameters."""

    sort = fields.Enum(SortOrder, by_value=True, load_default=SortOrder.OLDEST)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = Text(load_default=None, validate=validate.Length(max=500))


class CountsQuery(Schema):
    """Up to 100 thread keys of one site."""

    class Meta:
        unknown = EXCLUDE

    site = _SITE
    thread = fields.List(_THREAD, required=True, validate=validate.Length(min=1, max=100))


class CommentIn(Schema):
    """A new comment or reply."""

    site = _SITE
    thread = _THREAD
    thread_url = http_url(2048)
    thread_title = Text(allow_none=True, validate=validate.Length(max=500))
    parent_id = Id(allow_none=True)
    author_name = Text(allow_none=True, validate=validate.Length(max=100))
    author_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    author_url = http_url(500)
    body = Text(required=True, validate=validate.Length(max=100_000))
    notify_replies = fields.Boolean(load_default=False)
    form_token = Text(allow_none=True, validate=validate.Length(max=1000))
    website = Text(allow_none=True, validate=validate.Length(max=2000))


class CommentPatchIn(Schema):
    """What the author may change."""

    body = Text(validate=validate.Length(max=100_000))
    author_name = Text(allow_none=True, validate=validate.Length(max=100))
    author_url = http_url(500)


class VoteIn(Schema):
    """1 like, -1 dislike, 0 withdraw."""

    value = fields.Integer(required=True, strict=True, validate=validate.OneOf([1, -1, 0]))


class FlagIn(Schema):
    """A reader's report."""

    reason = fields.Enum(FlagReason, by_value=True, required=True)
    note = Text(allow_none=True, validate=validate.Length(max=1000))


class PreviewIn(Schema):
    """Markdown to render without storing."""

    body = Text(required=True, validate=validate.Length(max=100_000))


class AuthorOut(Schema):
    """Public face of an author: never email or IP."""

    name = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    avatar = fields.String()


class CommentOut(Schema):
    """A comment as readers see it, with its replies."""

    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    status = fields.String()
    author = fields.Nested(AuthorOut)
    html = fields.String()
    created_at = Timestamp()
    edited_at = Timestamp(allow_none=True)
    likes = fields.Integer()
    dislikes = fields.Integer()
    deleted = fields.Boolean()
    replies = fields.List(fields.Nested(lambda: CommentOut()))


class OwnCommentOut(CommentOut):
    """A comment as its author sees it (with the Markdown source); others get no ``body``."""

    body = fields.String(metadata={"description": "Markdown source; only with the edit token."})

    @post_dump
    def _drop_missing_source(self, data: dict, **kwargs: object) -> dict:
        if data.get("body") is None:
            data.pop("body", None)
        return data


class ThreadOut(Schema):
    """A thread's public state."""

    key = fields.String()
    url = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    locked = fields.Boolean()
    comment_count = fields.Integer()


class ListingOut(Schema):
    """One page of a thread."""

    thread = fields.Nested(ThreadOut)
    comments = fields.List(fields.Nested(CommentOut))
    next_cursor = fields.String(allow_none=True)


class CreatedOut(Schema):
    """Answer to a new comment: published (201) or held (202)."""

    comment = fields.Nested(OwnCommentOut)
    edit_token = fields.String()
    status = fields.String()


class VotesOut(Schema):
    """Counters after a vote."""

    likes = fields.Integer()
    dislikes = fields.Integer()


class CountsOut(Schema):
    """Approved comments per thread key."""

    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class PreviewOut(Schema):
    """Rendered HTML exactly as it would be stored."""

    html = fields.String()


class ConfigThreadOut(Schema):
    """The thread part of the widget settings."""

    key = fields.String()
    locked = fields.Boolean()
    comment_count = fields.Integer()


class ConfigOut(Schema):
    """Widget settings for a thread."""

    site = fields.String()
    thread = fields.Nested(ConfigThreadOut)
    max_depth = fields.Integer()
    edit_window_seconds = fields.Integer()
    require_email = fields.Boolean()
    language = fields.String()
    form_token = fields.String()
    privacy_url = fields.String(allow_none=True)
