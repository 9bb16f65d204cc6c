"""Duplicate: the same text posted again in the same thread is a double post or a robot."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from marshmallow import Schema, fields, validate

from discuss.spam.base import CheckContext, Submission, Verdict, VerdictKind, ham
from discuss.spam.options import Int


class DuplicateOptions(Schema):
    """Options of the duplicate check."""

    window_seconds = Int(
        load_default=86400, validate=validate.Range(min=1),
        metadata={"description": "how far back to look for the same body"})
    min_chars = Int(
        load_default=20, validate=validate.Range(min=0),
        metadata={"description": "shorter bodies ('Thanks!', '+1') are never duplicates"})
    verdict = fields.String(
        load_default="spam", validate=validate.OneOf(["unsure", "spam"]),
        metadata={"description": "what a duplicate is: spam, or held (unsure)"})


class DuplicateCheck:
    """Marks a repeat of a recent comment in the same thread (whitespace and case ignored)."""

    name: ClassVar[str] = "duplicate"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop
    Options = DuplicateOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Look for the body's hash among the thread's recent comments."""
        if submission.thread_id is None or not submission.body_hash:
            return ham("first comment of the thread")
        if len(submission.body.strip()) < context.options["min_chars"]:
            return ham("too short to count as a duplicate")
        window = context.options["window_seconds"]
        since = context.now - timedelta(seconds=window)
        found = context.data.count_same_body(submission.thread_id, submission.body_hash, since)
        if found:
            hours = window / 3600
            return Verdict(VerdictKind(context.options["verdict"]),
                           f"same text already posted in this thread within {hours:g} h", 0.9)
        return ham("no recent copy in this thread")
