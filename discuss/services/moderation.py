"""The moderation state machine: approve, reject, spam, ham, delete, restore.

Each action checks the actor's site, moves the comment by a conditional UPDATE (so two
moderators clicking at once cannot both win), adjusts the thread's approved count and
version, writes an audit event, and after the commit tells learning spam checks.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from discuss.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from discuss.extensions import db
from discuss.models import AuditAction, AuditEvent, Comment, CommentStatus, Site
from discuss.services import audit
from discuss.services.actors import Actor
from discuss.services.threads import record_change
from discuss.spam import registry

log = logging.getLogger(__name__)

MAX_BULK = 200
S = CommentStatus


class ModerationAction(enum.StrEnum):
    """What a moderator can do to one comment."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    HAM = "ham"
    DELETE = "delete"
    RESTORE = "restore"


@dataclass(frozen=True)
class Transition:
    """Where an action may start and where it leads (``None``: back to the earlier status)."""

    sources: frozenset[CommentStatus]
    target: CommentStatus | None
    feedback: bool | None  # is_spam told to learning checks; None tells them nothing


TRANSITIONS: dict[ModerationAction, Transition] = {
    ModerationAction.APPROVE: Transition(frozenset({S.PENDING, S.SPAM, S.REJECTED}),
                                         S.APPROVED, False),
    ModerationAction.REJECT: Transition(frozenset({S.PENDING, S.APPROVED, S.SPAM}),
                                        S.REJECTED, None),
    ModerationAction.SPAM: Transition(frozenset({S.PENDING, S.APPROVED, S.REJECTED}),
                                      S.SPAM, True),
    ModerationAction.HAM: Transition(frozenset({S.SPAM, S.PENDING}), S.APPROVED, False),
    ModerationAction.DELETE: Transition(frozenset({S.PENDING, S.APPROVED, S.SPAM, S.REJECTED}),
                                        S.DELETED, None),
    ModerationAction.RESTORE: Transition(frozenset({S.DELETED}), None, None),
}

_AUDIT_ACTION = {action: AuditAction(action.value) for action in ModerationAction}


def allowed_actions(status: CommentStatus) -> list[ModerationAction]:
    """The actions that make sense for a comment in this status (for buttons)."""
    return [action for action, rule in TRANSITIONS.items() if status in rule.sources]


@dataclass
class Outcome:
    """One comment after an action, and what learning checks should hear."""

    comment: Comment
    feedback: bool | None


@dataclass
class BulkResult:
    """The result for one id of a bulk action: the comment, or the error that stopped it."""

    id: int
    comment: Comment | None = None
    error: DomainError | None = None


def _restore_target(comment: Comment) -> CommentStatus:
    """A moderator's deletion is undone to the status before it; anything else to pending."""
    previous = db.session.execute(
        sa.select(AuditEvent.previous_status)
        .where(AuditEvent.comment_id == comment.id, AuditEvent.action == AuditAction.DELETE)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar()
    if previous is None or previous is S.DELETED:
        return S.PENDING
    return previous


def _load(actor: Actor, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"No comment {comment_id}.")
    actor.require_site(comment.thread.site)
    return comment


def _apply(actor: Actor, comment: Comment, action: ModerationAction,
           note: str | None) -> Outcome:
    """Move one comment (flushes, does not commit)."""
    rule = TRANSITIONS[action]
    previous = comment.status
    if previous not in rule.sources:
        raise Conflict(f"Cannot {action.value} comment {comment.id}: it is {previous.value}.")
    target = rule.target or _restore_target(comment)
    values: dict[str, object] = {"status": target}
    if target is S.APPROVED:
        values["flag_count"] = 0  # a moderator cleared it; new flags start counting afresh
    moved = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id, Comment.status == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise Conflict(f"Comment {comment.id} was changed meanwhile; reload and try again.")
    delta = (target is S.APPROVED) - (previous is S.APPROVED)
    record_change(comment.thread_id, delta)
    db.session.expire(comment, ["status", "flag_count"])
    audit.record(actor, _AUDIT_ACTION[action], comment=comment, previous=previous, new=target,
                 note=note)
    db.session.flush()
    return Outcome(comment=comment, feedback=rule.feedback)


def _send_feedback(outcomes: list[Outcome]) -> None:
    """After the commit: a learning check's trouble never undoes a moderator's decision."""
    for outcome in outcomes:
        if outcome.feedback is None:
            continue
        comment = outcome.comment
        site: Site = comment.thread.site
        try:
            registry.send_feedback(site, comment, outcome.feedback)
        except Exception:  # noqa: BLE001  (third-party checks may fail in any way)
            log.exception("spam feedback failed for comment %s", comment.id)
    try:
        db.session.commit()  # what the checks learned, in a transaction of its own
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("what the spam checks learned could not be stored")


def moderate_comment(actor: Actor, comment_id: int, action: ModerationAction | str,
                     note: str | None = None) -> Comment:
    """Apply one action to one comment; invalid transitions are a Conflict."""
    action = _parse_action(action)
    comment = _load(actor, comment_id)
    outcome = _apply(actor, comment, action, note)
    db.session.commit()
    _send_feedback([outcome])
    return comment


def moderate_bulk(actor: Actor, ids: list[int], action: ModerationAction | str,
                  note: str | None = None) -> list[BulkResult]:
    """Apply one action to many comments in one transaction; each id gets its own result.

    Any id on a site outside the actor's scope refuses the whole request, so nothing is
    half-done across sites; unknown ids and impossible transitions are reported per id.
    """
    action = _parse_action(action)
    unique = list(dict.fromkeys(ids))
    if not unique or len(unique) > MAX_BULK:
        raise Invalid("Too many or too few ids.", {"ids": [f"Send 1 to {MAX_BULK} ids."]})
    comments = {c.id: c for c in db.session.execute(
        sa.select(Comment).where(Comment.id.in_(unique))
    ).scalars()}
    for comment in comments.values():
        if not actor.may_moderate(comment.thread.site_id):
            raise Forbidden(f"Comment {comment.id} is on a site you may not moderate.")
    results: list[BulkResult] = []
    outcomes: list[Outcome] = []
    for comment_id in unique:
        comment = comments.get(comment_id)
        if comment is None:
            results.append(BulkResult(comment_id, error=NotFound(f"No comment {comment_id}.")))
            continue
        try:
            outcome = _apply(actor, comment, action, note)
        except Conflict as error:
            results.append(BulkResult(comment_id, error=error))
            continue
        outcomes.append(outcome)
        results.append(BulkResult(comment_id, comment=comment))
    db.session.commit()
    _send_feedback(outcomes)
    return results


def _parse_action(action: ModerationAction | str) -> ModerationAction:
    try:
        return ModerationAction(action)
    except ValueError:
        choices = ", ".join(a.value for a in ModerationAction)
        raise Invalid("Unknown action.", {"action": [f"Use one of {choices}."]}) from None


def hold_if_flagged(comment: Comment) -> bool:
    """Readers' flags reached the site's threshold: back to pending for a moderator.

    Called inside the flagging transaction (flushes, does not commit); a threshold of 0
    turns the automatic hold off.
    """
    db.session.refresh(comment, ["flag_count", "status"])
    threshold = comment.thread.site.flag_threshold
    if threshold <= 0 or comment.flag_count < threshold or comment.status is not S.APPROVED:
        return False
    moved = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id, Comment.status == S.APPROVED)
        .values(status=S.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    record_change(comment.thread_id, -1)
    db.session.expire(comment, ["status"])
    audit.record("readers", AuditAction.HOLD, comment=comment, previous=S.APPROVED,
                 new=S.PENDING, note=f"{comment.flag_count} reader flags (threshold {threshold})")
    db.session.flush()
    return True
