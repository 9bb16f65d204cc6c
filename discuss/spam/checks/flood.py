"""Flood: too many comments from one address in a short time.

The limit itself is enforced at the door, before any work, by Flask-Limiter on the
comment endpoints (429 with Retry-After; memory storage, or Redis when DISCUSS_REDIS_URL
is set). This check carries the per-site options and, in trial mode, counts on its own
and only reports "would have been refused" without refusing anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from limits import parse_many
from marshmallow import Schema, ValidationError, fields, validates

from discuss.extensions import limiter
from discuss.spam.base import CheckContext, Submission, Verdict, ham, unsure

TRIAL_SCOPE = "discuss-flood-trial"


class FloodOptions(Schema):
    """Options of the flood check."""

    limit = fields.String(
        load_default=None, allow_none=True,
        metadata={"description": "comments allowed per address, e.g. '5 per minute;30 per "
                                 "hour'; unset: DISCUSS_RATE_LIMIT_COMMENTS"})

    @validates("limit")
    def _parses(self, value: str | None, **kwargs: Any) -> None:
        if value is not None:
            try:
                parse_many(value)
            except ValueError:
                raise ValidationError(
                    f"{value!r} is not a rate limit like '5 per minute;30 per hour'."
                ) from None


@dataclass(frozen=True)
class FloodRule:
    """What the door enforces for one site: the limit, and whether only on trial."""

    limit: str
    trial: bool


def limit_of(options: Mapping[str, Any], settings: Any) -> str:
    """The site's limit, or the operator's default."""
    return options.get("limit") or settings.rate_limit_comments


def flood_rule(entries: Iterable[Any], settings: Any,
               load_options: Callable[[Any], Mapping[str, Any]]) -> FloodRule | None:
    """The flood rule of a site's check list, or None when flood is not enabled.

    ``load_options`` is the registry's loader of this check's options, which remembers them.
    """
    for entry in entries or ():
        if isinstance(entry, dict) and entry.get("name") == "flood":
            try:
                options = load_options(entry.get("options"))
            except ValidationError:
                options = {}
            return FloodRule(limit_of(options, settings), bool(entry.get("trial")))
    return None


class FloodCheck:
    """Refuses (429) more than N comments per address and time window."""

    name: ClassVar[str] = "flood"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop
    Options = FloodOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Acting: the door has let it in; trial: count here and report what it would do."""
        limit = limit_of(context.options, context.settings)
        if not context.trial:
            return ham(f"within {limit} per address")
        address = submission.ip or "unknown"
        over = [str(item) for item in parse_many(limit)
                if not limiter.limiter.hit(item, TRIAL_SCOPE, context.site.slug, address)]
        if over:
            return unsure(f"would have been refused (429): more than {over[0]} from this address")
        return ham(f"within {limit} per address")
