"""The data: one module per aggregate, re-exported here for short imports."""

from discuss.models.account import ApiKey, Role, User
from discuss.models.base import Base, utcnow
from discuss.models.comment import Comment, CommentStatus, Flag, FlagReason, Vote
from discuss.models.moderation import AuditAction, AuditEvent, Ban, BanKind
from discuss.models.site import ModerationMode, Site, SiteSnapshot
from discuss.models.spam import SpamToken
from discuss.models.thread import THREAD_KEY_MAX, Thread, thread_closed

__all__ = [
    "ApiKey",
    "AuditAction",
    "AuditEvent",
    "Ban",
    "BanKind",
    "Role",
    "User",
    "Base",
    "Comment",
    "CommentStatus",
    "Flag",
    "FlagReason",
    "ModerationMode",
    "Site",
    "SiteSnapshot",
    "SpamToken",
    "THREAD_KEY_MAX",
    "Thread",
    "Vote",
    "thread_closed",
    "utcnow",
]
