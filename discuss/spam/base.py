"""What a spam check sees (``Submission``), what it answers (``Verdict``), and its shape.

This module is the whole contract for writing a check, built in or third party: a class
with a ``name``, an optional marshmallow ``Options`` schema and ``check(submission,
context) -> Verdict``; learning checks add ``feedback(submission, is_spam, context)`` and
checks that call a service may add ``verify(context) -> str``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

_HREF = re.compile(r'<a\s[^>]*href="([^"]*)"', re.IGNORECASE)


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
    body_hash: str = ""
    thread_url: str | None = None
    created_at: datetime | None = None


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


_WOULD = {"spam": "would have marked spam", "unsure": "would have held", "ham": "would pass"}


def describe_record(record: Mapping[str, Any]) -> str:
    """One line for moderators: 'links: held: 3 links…', or 'bayes (trial): would have…'."""
    verdict = str(record.get("verdict", ""))
    reason = str(record.get("reason", ""))
    if record.get("trial"):
        head = f"{record.get('check')} (trial): {_WOULD.get(verdict, verdict)}"
    else:
        head = f"{record.get('check')}: {dict(spam='spam', unsure='held').get(verdict, 'ok')}"
    return f"{head}: {reason}" if reason else head


def ham(reason: str = "", score: float = 0.0) -> Verdict:
    """Shorthand for a check that finds nothing wrong."""
    return Verdict(VerdictKind.HAM, reason, score)


def unsure(reason: str, score: float = 0.5) -> Verdict:
    """Shorthand for a check that wants a moderator to look."""
    return Verdict(VerdictKind.UNSURE, reason, score)


def spam(reason: str, score: float = 1.0) -> Verdict:
    """Shorthand for a check that is sure."""
    return Verdict(VerdictKind.SPAM, reason, score)


@dataclass(frozen=True)
class SiteFacts:
    """The site settings a check may read; a plain copy, safe to hand to another thread."""

    id: int
    slug: str
    moderation: str
    origins: tuple[str, ...] = ()
    max_links: int = 2
    language: str = "en"


class CheckData(Protocol):
    """Read access to the site's comments and a counting store for learning checks.

    The service layer provides it; a check never touches the database session itself.
    Counts kept with ``learn`` are per site and per ``namespace`` (use the check's name);
    the feature ``""`` holds the number of documents learned.
    """

    def count_same_body(self, thread_id: int, body_hash: str, since: datetime) -> int:
        """Comments in the thread (any status but deleted) with this body since ``since``."""
        ...

    def feature_counts(self, namespace: str, features: list[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) counts of the known features, plus ``""`` for documents seen."""
        ...

    def learn(self, namespace: str, features: list[str], is_spam: bool,
              weight: int = 1) -> None:
        """Count one decided document and its features (``weight=-1`` takes it back)."""
        ...

    def isolated(self) -> AbstractContextManager[None]:
        """A savepoint: a failing feedback leaves the caller's transaction usable."""
        ...


@dataclass(frozen=True)
class CheckContext:
    """What a check gets besides the submission: its options, the site, data, settings."""

    site: SiteFacts
    options: Mapping[str, Any]
    data: CheckData
    settings: Any
    now: datetime
    trial: bool = False
    # Feedback only: this check's stored verdict, plus "taught" (what it was last told). A
    # check switched on after the comment came in has no verdict: just {"check", "taught"}.
    record: Mapping[str, Any] | None = None

    def option(self, name: str, default: Any = None) -> Any:
        """An option value, or ``default`` when unset or None."""
        value = self.options.get(name)
        return default if value is None else value


@runtime_checkable
class SpamCheck(Protocol):
    """A check: a name and ``check``; learning checks add ``feedback``.

    A built-in check may declare ``inline = True`` when it is local, quick and bounded (no
    network, no patterns written by others): it then runs in the request's own thread and
    transaction, with no time limit. Every other check, third-party ones always, and any
    check in trial mode, runs in the pool under the time limit.
    """

    name: ClassVar[str]

    def check(self, submission: Submission, context: Any) -> Verdict: ...


def iter_links(html: str) -> Iterator[str]:
    """The href of every link in rendered comment HTML."""
    for match in _HREF.finditer(html):
        yield match.group(1)
