"""First time: some sites want a person's first comment read before it goes up."""

from __future__ import annotations

from typing import ClassVar

from discuss.spam.base import CheckContext, Submission, Verdict, ham, unsure


class FirstTimeCheck:
    """Holds authors without an earlier approved comment (recognised by email)."""

    name: ClassVar[str] = "first_time"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Trust an email address once a moderator has let one of its comments through."""
        if submission.author_has_approved:
            return ham("author has an approved comment")
        if not submission.author_email:
            return unsure("no email given, so the author cannot be recognised", 0.3)
        return unsure("first comment from this email address", 0.3)
