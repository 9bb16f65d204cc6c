"""Honeypot: the widget never fills the hidden ``website`` field; form-filling robots do."""

from __future__ import annotations

from typing import ClassVar

from discuss.spam.base import CheckContext, Submission, Verdict, ham, spam


class HoneypotCheck:
    """Marks spam when the hidden 'website' field was filled."""

    name: ClassVar[str] = "honeypot"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Any text in the hidden field gives the robot away."""
        if submission.honeypot and submission.honeypot.strip():
            return spam("the hidden 'website' field was filled in")
        return ham("hidden field empty")
