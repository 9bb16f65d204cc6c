"""The data: one module per aggregate, re-exported here for short imports."""

from discuss.models.base import Base, utcnow
from discuss.models.comment import Comment, CommentStatus, Flag, FlagReason, Vote
from discuss.models.site import ModerationMode, Site
from discuss.models.spam import SpamToken
from discuss.models.thread import THREAD_KEY_MAX, Thread

__all__ = [
    "Base",
    "Comment",
    "CommentStatus",
    "Flag",
    "FlagReason",
    "ModerationMode",
    "Site",
    "SpamToken",
    "THREAD_KEY_MAX",
    "Thread",
    "Vote",
    "utcnow",
]
