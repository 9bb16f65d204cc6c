"""What a spam check sees (``Submission``), what it answers (``Verdict``), and its shape."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable


class VerdictKind(enum.StrEnum):
    """A check's opinion of one submission."""

    HAM = "ham"
    UNSURE = "unsure"
    SPAM = "spam"


@dataclass(frozen=True)
class Submission:
    """Everything known about one attempt to post a comment."""

    site_slug: str
    thread_key: str
    body: str
    body_html: str
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    parent_id: int | None = None
    honeypot: str | None = None
    form_token_age: float | None = None
    form_token_present: bool = False
    author_has_approved: bool = False
    thread_id: int | None = None


@dataclass(frozen=True)
class Verdict:
    """One check's answer, with a reason a moderator can read."""

    kind: VerdictKind
    reason: str = ""
    score: float = 0.0
    check: str = ""
    trial: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The form stored with the comment and shown in the moderation queue."""
        return {
            "check": self.check,
            "verdict": self.kind.value,
            "score": self.score,
            "reason": self.reason,
            "trial": self.trial,
        }


@runtime_checkable
class SpamCheck(Protocol):
    """A check: a name and ``check``; learning checks add ``feedback``."""

    name: ClassVar[str]

    def check(self, submission: Submission, context: Any) -> Verdict: ...
