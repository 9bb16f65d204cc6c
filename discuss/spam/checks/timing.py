"""Timing: a real reader loads the form, reads, types; a robot posts at once or replays."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from discuss.spam.base import CheckContext, Submission, Verdict, VerdictKind, ham
from discuss.spam.options import Int, Number


class TimingOptions(Schema):
    """Options of the timing check."""

    min_seconds = Number(
        load_default=3.0, validate=validate.Range(min=0),
        metadata={"description": "a form sent sooner after loading than this is suspect"})
    max_seconds = Int(
        load_default=86400, validate=validate.Range(min=60),
        metadata={"description": "a form older than this is suspect (the token expires "
                                 "after DISCUSS_FORM_TOKEN_MAX_AGE anyway)"})
    verdict = fields.String(
        load_default="unsure", validate=validate.OneOf(["unsure", "spam"]),
        metadata={"description": "what a failed timing means: hold (unsure) or spam"})

    @validates_schema
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("min_seconds", 0) >= data.get("max_seconds", 86400):
            raise ValidationError("min_seconds must be below max_seconds.")


class TimingCheck:
    """Holds comments without a valid form token, or sent too soon or too late."""

    name: ClassVar[str] = "timing"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop
    Options = TimingOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Judge the age of the form token the widget got from /config."""
        kind = VerdictKind(context.options["verdict"])
        minimum, maximum = context.options["min_seconds"], context.options["max_seconds"]
        age = submission.form_token_age
        if not submission.form_token_present:
            return Verdict(kind, "no form token: the form was not loaded from this site", 0.7)
        if age is None:
            return Verdict(kind, "form token is forged, for another site or expired", 0.8)
        if age < minimum:
            return Verdict(kind, f"sent {age:.1f} s after the form loaded (minimum {minimum:g} s)",
                           0.8)
        if age > maximum:
            return Verdict(kind, f"form loaded {age / 3600:.1f} h ago (maximum "
                                 f"{maximum / 3600:g} h)", 0.6)
        return ham(f"sent {age:.0f} s after the form loaded")
