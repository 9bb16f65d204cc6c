"""Schemas of the moderation API: what moderators' tools send and get back."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from discuss.models import THREAD_KEY_MAX, BanKind, ModerationMode
from discuss.schemas.fields import MAX_ID, Id, Text, Timestamp, http_url
from discuss.services.moderation import MAX_BULK, ModerationAction
from discuss.services.queue import MAX_PAGE, QueueOrder, QueueStatus

_NOTE = Text(allow_none=True, validate=validate.Length(max=1000))


class QueueQuery(Schema):
    """Which tab of the queue, for one site or all the caller's sites."""

    class Meta:
        unknown = EXCLUDE

    site = Text(load_default=None, validate=validate.Length(min=1, max=64))
    status = fields.Enum(QueueStatus, by_value=True, load_default=QueueStatus.PENDING)
    order = fields.Enum(QueueOrder, by_value=True, load_default=QueueOrder.OLDEST)
    cursor = Text(load_default=None, validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class ActionIn(Schema):
    """One decision about one comment."""

    action = fields.Enum(ModerationAction, by_value=True, required=True)
    note = _NOTE


class BulkIn(ActionIn):
    """One decision about many comments."""

    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_BULK))


class CheckOut(Schema):
    """One spam check's stored verdict."""

    check = fields.String()
    verdict = fields.String()
    score = fields.Float()
    reason = fields.String()
    trial = fields.Boolean()


class FlagOut(Schema):
    """A reader's report (never who sent it)."""

    reason = fields.String()
    note = fields.String(allow_none=True)
    created_at = Timestamp()


class ThreadRefOut(Schema):
    """The article a comment belongs to."""

    key = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    locked = fields.Boolean()


class ParentOut(Schema):
    """The comment being replied to, in brief."""

    id = fields.Integer()
    status = fields.String()
    author_name = fields.String(allow_none=True)
    body = fields.String(attribute="body_source")


class AuthorOut(Schema):
    """An author's public face."""

    name = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    avatar = fields.String()


class ModeratedCommentOut(Schema):
    """A comment as moderators see it: with email, IP, check verdicts and flags."""

    id = fields.Integer()
    site = fields.Function(lambda item: item.thread.site.slug)
    thread = fields.Nested(ThreadRefOut)
    parent_id = fields.Integer(allow_none=True)
    parent = fields.Nested(ParentOut, allow_none=True)
    depth = fields.Integer()
    status = fields.String()
    author = fields.Function(lambda item: {"name": item.author_name, "url": item.author_url,
                                           "avatar": item.avatar})
    email = fields.String(attribute="author_email", allow_none=True)
    ip = fields.String(attribute="author_ip", allow_none=True)
    user_agent = fields.String(allow_none=True)
    body = fields.String(attribute="body_source")
    html = fields.String(attribute="body_html")
    created_at = Timestamp()
    edited_at = Timestamp(allow_none=True)
    likes = fields.Integer()
    dislikes = fields.Integer()
    flag_count = fields.Integer()
    checks = fields.List(fields.Nested(CheckOut), attribute="check_results")
    flags = fields.List(fields.Nested(FlagOut))


class QueueOut(Schema):
    """A page of the queue, with how many wait in each tab."""

    comments = fields.List(fields.Nested(ModeratedCommentOut), attribute="items")
    next_cursor = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class BulkResultOut(Schema):
    """What happened to one id of a bulk action."""

    id = fields.Integer()
    ok = fields.Boolean()
    status = fields.Integer(metadata={"description": "HTTP status this id alone would get"})
    detail = fields.String(allow_none=True)
    comment = fields.Nested(ModeratedCommentOut, allow_none=True)


class BulkOut(Schema):
    """Per-id results, in the order the ids were sent (duplicates once)."""

    action = fields.String()
    results = fields.List(fields.Nested(BulkResultOut))


class SiteSettingsOut(Schema):
    """Every setting of a site."""

    slug = fields.String()
    name = fields.String()
    origins = fields.List(fields.String())
    moderation = fields.String()
    closed = fields.Boolean()
    max_depth = fields.Integer()
    edit_window_seconds = fields.Integer()
    max_links = fields.Integer()
    auto_close_days = fields.Integer(allow_none=True)
    require_email = fields.Boolean()
    language = fields.String()
    privacy_url = fields.String(allow_none=True)
    flag_threshold = fields.Integer()
    spam_checks = fields.List(fields.Dict())
    settings_version = fields.Integer()


class SiteSettingsPatch(Schema):
    """Any subset of the settings; the rest stay as they are."""

    name = Text(validate=validate.Length(min=1, max=200))
    origins = fields.List(Text(validate=validate.Length(max=300)),
                          validate=validate.Length(max=50))
    moderation = fields.Enum(ModerationMode, by_value=True)
    closed = fields.Boolean()
    max_depth = fields.Integer(strict=True)
    edit_window_seconds = fields.Integer(strict=True)
    max_links = fields.Integer(strict=True)
    auto_close_days = fields.Integer(strict=True, allow_none=True)
    require_email = fields.Boolean()
    language = Text(validate=validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                                             error="Use a language tag like en or pt-BR."))
    privacy_url = http_url(500)
    flag_threshold = fields.Integer(strict=True)
    spam_checks = fields.List(fields.Raw(), validate=validate.Length(max=50))

    @validates_schema
    def not_empty(self, data: dict, **kwargs) -> None:
        """An empty PATCH is almost certainly a client mistake."""
        if not data:
            raise ValidationError("Send at least one setting.", "_schema")


class ThreadLockIn(Schema):
    """Close or reopen an article's comments."""

    site = Text(required=True, validate=validate.Length(min=1, max=64))
    thread = Text(required=True, validate=validate.Length(min=1, max=THREAD_KEY_MAX))
    locked = fields.Boolean(required=True)


class ThreadLockOut(Schema):
    """The thread after the change."""

    site = fields.Function(lambda thread: thread.site.slug)
    key = fields.String()
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    locked = fields.Boolean()
    closed = fields.Function(lambda thread: thread.is_closed(),
                             metadata={"description": "locked, or past the auto-close age"})
    comment_count = fields.Integer()


class BanQuery(Schema):
    """Which bans to list."""

    class Meta:
        unknown = EXCLUDE

    site = Text(load_default=None, validate=validate.Length(min=1, max=64))
    include_expired = fields.Boolean(load_default=False)


class BanIn(Schema):
    """A new ban on one site (or, for admins, on every site when ``site`` is null)."""

    site = Text(allow_none=True, load_default=None, validate=validate.Length(min=1, max=64))
    kind = fields.Enum(BanKind, by_value=True, required=True)
    value = Text(required=True, validate=validate.Length(min=1, max=254))
    expires_at = fields.AwareDateTime(allow_none=True, load_default=None)
    reason = _NOTE


class BanOut(Schema):
    """A ban."""

    id = fields.Integer()
    site = fields.Function(lambda ban: ban.site.slug if ban.site else None)
    kind = fields.String()
    value = fields.String()
    reason = fields.String(allow_none=True)
    expires_at = Timestamp(allow_none=True)
    active = fields.Function(lambda ban: ban.is_active())
    created_by = fields.String()
    created_at = Timestamp()


class BansOut(Schema):
    """Bans, newest first."""

    bans = fields.List(fields.Nested(BanOut))


class AuditQuery(Schema):
    """Filters of the audit log."""

    class Meta:
        unknown = EXCLUDE

    site = Text(load_default=None, validate=validate.Length(min=1, max=64))
    actor = Text(load_default=None, validate=validate.Length(min=1, max=100))
    comment = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    cursor = Text(load_default=None, validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditEventOut(Schema):
    """One line of the audit log."""

    id = fields.Integer()
    created_at = Timestamp()
    actor = fields.String()
    action = fields.String()
    site = fields.Function(lambda event: event.site.slug if event.site else None)
    comment_id = fields.Integer(allow_none=True)
    thread_id = fields.Integer(allow_none=True)
    previous_status = fields.String(allow_none=True)
    new_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class AuditOut(Schema):
    """The log, newest first."""

    events = fields.List(fields.Nested(AuditEventOut))
    next_cursor = fields.String(allow_none=True)


class MeOut(Schema):
    """Who the credentials belong to, and the CSRF token a session must send."""

    name = fields.String()
    kind = fields.String()
    admin = fields.Boolean()
    sites = fields.List(fields.String(), allow_none=True)
    csrf_token = fields.String(allow_none=True)
