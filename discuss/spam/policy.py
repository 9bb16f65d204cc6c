"""The publishing policy: the single place that turns a submission into a comment status.

The site's checks run side by side in a bounded thread pool, each isolated: a check that
raises, times out, is not installed or has bad options yields an ``unsure`` verdict with
the reason (and a log line), so the comment is held, never published unchecked, never lost.
Checks that declare themselves ``inline`` (local and bounded, as the default ones) run in
the request's thread instead: a thread hop, an app context and a session each cost more
than such a check does.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Flask, current_app
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from discuss import observability
from discuss.extensions import db
from discuss.models import CommentStatus, ModerationMode, Site, SiteSnapshot, utcnow
from discuss.spam.base import CheckContext, Submission, Verdict, VerdictKind, unsure
from discuss.spam.registry import current_registry, site_facts

log = logging.getLogger(__name__)


@dataclass
class Decision:
    """The status a new comment gets and the verdicts that led there."""

    status: CommentStatus
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, Any]]:
        """Verdicts as stored with the comment."""
        return [v.to_record() for v in self.verdicts]


def combine(site: Site | SiteSnapshot, verdicts: list[Verdict]) -> CommentStatus:
    """Acting spam → spam; acting unsure or pre-moderation → pending; else approved."""
    acting = [v for v in verdicts if not v.trial]
    if any(v.kind is VerdictKind.SPAM for v in acting):
        return CommentStatus.SPAM
    if site.moderation is ModerationMode.PRE or any(v.kind is VerdictKind.UNSURE for v in acting):
        return CommentStatus.PENDING
    return CommentStatus.APPROVED


def _run_in_app(app: Flask, name: str, check: Any, submission: Submission,
                context: CheckContext) -> Any:
    started = time.perf_counter()
    try:
        with app.app_context():
            return check.check(submission, context)
    finally:
        observability.record_spam_duration(name, time.perf_counter() - started)


class _Ran:
    """An inline check's outcome, answering as a finished future does (so both kinds are
    collected alike) without a future's lock, which costs more than such a check."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error

    def result(self, timeout: float | None = None) -> Any:
        if self.error is not None:
            raise self.error
        return self.value

    def cancel(self) -> bool:
        """A finished outcome cannot be cancelled (a check may raise ``TimeoutError``)."""
        return False


def _run_here(name: str, check: Any, submission: Submission, context: CheckContext) -> _Ran:
    started = time.perf_counter()
    try:
        return _Ran(check.check(submission, context))
    except Exception as exc:  # noqa: BLE001  (isolation: reported like a pooled check's)
        if isinstance(exc, SQLAlchemyError):
            db.session.rollback()  # nothing is written yet; the comment needs a usable session
        return _Ran(error=exc)
    finally:
        observability.record_spam_duration(name, time.perf_counter() - started)


def _failed(name: str, trial: bool, reason: str) -> Verdict:
    return replace(unsure(reason), check=name, trial=trial)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text if len(text) <= 200 else text[:199] + "…"


def run_checks(site: Site | SiteSnapshot, submission: Submission) -> list[Verdict]:
    """Run the site's enabled checks, each isolated and bounded in time, in list order."""
    registry = current_registry()
    settings = current_app.config["DISCUSS"]
    app = current_app._get_current_object()
    facts = site_facts(site)
    now = utcnow()
    slots: list[tuple[str, bool, Verdict | Future | _Ran]] = []
    for entry in site.spam_checks or []:
        name = str(entry.get("name")) if isinstance(entry, dict) else repr(entry)
        trial = bool(entry.get("trial")) if isinstance(entry, dict) else False
        loaded = registry.get(name)
        if loaded is None:
            log.error("spam check %s on site %s is not installed; holding", name, site.slug)
            slots.append((name, trial, _failed(name, trial, f"check {name!r} is not installed")))
            continue
        try:
            options = loaded.load_options(entry.get("options"))
        except ValidationError as error:
            log.error("spam check %s on site %s has bad options: %s", name, site.slug,
                      error.messages)
            slots.append((name, trial, _failed(name, trial, f"invalid options: {error.messages}")))
            continue
        context = CheckContext(site=facts, options=options, data=registry.data_factory(site.id),
                               settings=settings, now=now, trial=trial)
        if loaded.inline and not trial:  # a trial is an experiment: isolated, time-limited
            future = _run_here(name, loaded.check, submission, context)
        else:
            future = registry.executor.submit(_run_in_app, app, name, loaded.check, submission,
                                              context)
        slots.append((name, trial, future))

    timeout = settings.spam_check_timeout_ms / 1000
    deadline = time.monotonic() + timeout
    verdicts: list[Verdict] = []
    for name, trial, slot in slots:
        if isinstance(slot, Verdict):
            observability.record_spam_verdict(name, "error")
            verdicts.append(slot)
            continue
        try:
            result = slot.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            slot.cancel()
            log.warning("spam check %s on site %s timed out after %.1f s; holding",
                        name, site.slug, timeout)
            verdicts.append(_failed(name, trial, f"check timed out after {timeout:g} s"))
            observability.record_spam_verdict(name, "error")
            continue
        except Exception as exc:  # isolation: a broken check holds the comment, never a 500
            log.error("spam check %s on site %s failed; holding", name, site.slug,
                      exc_info=exc)
            verdicts.append(_failed(name, trial, f"check failed: {_short(exc)}"))
            observability.record_spam_verdict(name, "error")
            continue
        try:
            verdicts.append(replace(result, kind=VerdictKind(result.kind),
                                    score=round(float(result.score), 4),
                                    reason=str(result.reason)[:500],
                                    check=name, trial=trial))
            observability.record_spam_verdict(name, verdicts[-1].kind)
        except (AttributeError, TypeError, ValueError):
            log.error("spam check %s returned %r, not a Verdict; holding", name, result)
            verdicts.append(_failed(name, trial, "check gave no verdict"))
            observability.record_spam_verdict(name, "error")
    return verdicts


def decide(site: Site | SiteSnapshot, submission: Submission) -> Decision:
    """Run the site's checks and apply the policy.

    Call it before writing anything in the transaction: an inline check whose query fails
    rolls the transaction back, so that the comment can still be stored (and held).
    """
    verdicts = run_checks(site, submission)
    return Decision(status=combine(site, verdicts), verdicts=verdicts)
