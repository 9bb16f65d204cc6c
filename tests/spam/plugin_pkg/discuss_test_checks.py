"""A third-party package of spam checks for discuss (installed by the tests).

``shouting`` is the README's example of writing one's own check. ``faulty`` misbehaves on
purpose (raise, hang, answer nonsense) to show that a broken check only ever holds.
"""

from __future__ import annotations

import threading

from marshmallow import Schema, fields, validate

from discuss.spam.base import Verdict, VerdictKind

RELEASE = threading.Event()  # lets a hung 'faulty' check finish when a test ends


class ShoutingOptions(Schema):
    ratio = fields.Float(load_default=0.7, validate=validate.Range(min=0, max=1))
    min_letters = fields.Integer(load_default=12, validate=validate.Range(min=1))


class ShoutingCheck:
    """Holds comments written mostly in capital letters."""

    name = "shouting"
    Options = ShoutingOptions

    def check(self, submission, context):
        letters = [c for c in submission.body if c.isalpha()]
        if len(letters) < context.options["min_letters"]:
            return Verdict(VerdictKind.HAM, "too short to judge")
        share = sum(c.isupper() for c in letters) / len(letters)
        if share >= context.options["ratio"]:
            return Verdict(VerdictKind.UNSURE, f"{share:.0%} capital letters", score=share)
        return Verdict(VerdictKind.HAM, f"{share:.0%} capital letters", score=share)


class FaultyOptions(Schema):
    mode = fields.String(required=True,
                         validate=validate.OneOf(["raise", "hang", "nonsense", "ok"]))


class FaultyCheck:
    """Fails in the way it is told to."""

    name = "faulty"
    Options = FaultyOptions

    def check(self, submission, context):
        mode = context.options["mode"]
        if mode == "raise":
            raise RuntimeError("database of bad words is missing")
        if mode == "hang":
            RELEASE.wait(30)
            return Verdict(VerdictKind.HAM, "woke up too late")
        if mode == "nonsense":
            return "looks fine to me"
        return Verdict(VerdictKind.HAM, "fine")

    def feedback(self, submission, is_spam, context):
        if context.options["mode"] == "raise":
            raise RuntimeError("could not learn")
