"""What readers attach to others' comments: votes and flags."""

from __future__ import annotations

import sqlalchemy as sa

from discuss.errors import Invalid, NotFound
from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Flag, FlagReason, Vote, utcnow
from discuss.services.moderation import hold_if_flagged
from discuss.services.threads import record_change


def _lock_public_comment(comment_id: int) -> Comment:
    """Take the comment's row lock first so concurrent votes on it queue instead of racing."""
    locked = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.APPROVED)
        .values(likes=Comment.likes)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not locked:
        db.session.rollback()
        raise NotFound(f"No comment {comment_id}.")
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    return comment


def cast_vote(comment_id: int, voter: str, value: int) -> tuple[int, int]:
    """Record, change or withdraw (0) one voter's vote; returns (likes, dislikes)."""
    if value not in (-1, 0, 1):
        raise Invalid("Invalid vote.", {"value": ["Must be 1, -1 or 0."]})
    comment = _lock_public_comment(comment_id)
    vote = db.session.execute(
        sa.select(Vote).where(Vote.comment_id == comment_id, Vote.voter == voter)
    ).scalar_one_or_none()
    previous = vote.value if vote else 0
    if previous != value:
        likes_delta = (value == 1) - (previous == 1)
        dislikes_delta = (value == -1) - (previous == -1)
        if vote is None:
            db.session.add(Vote(comment_id=comment_id, voter=voter, value=value))
        elif value == 0:
            db.session.delete(vote)
        else:
            vote.value = value
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == comment_id)
            .values(likes=Comment.likes + likes_delta, dislikes=Comment.dislikes + dislikes_delta)
            .execution_options(synchronize_session=False)
        )
        record_change(comment.thread_id)
    db.session.flush()
    likes, dislikes = db.session.execute(
        sa.select(Comment.likes, Comment.dislikes).where(Comment.id == comment_id)
    ).one()
    db.session.commit()
    return likes, dislikes


def flag_comment(comment_id: int, reporter: str, reason: FlagReason, note: str | None) -> None:
    """A reader's report; one per reader and comment, later ones are accepted and ignored."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status is not CommentStatus.APPROVED:
        raise NotFound(f"No comment {comment_id}.")
    exists = db.session.execute(
        sa.select(Flag.id).where(Flag.comment_id == comment_id, Flag.reporter == reporter)
    ).first()
    if exists:
        return
    db.session.add(
        Flag(comment_id=comment_id, reporter=reporter, reason=reason, note=note,
             created_at=utcnow())
    )
    db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment_id)
        .values(flag_count=Comment.flag_count + 1)
        .execution_options(synchronize_session=False)
    )
    hold_if_flagged(comment)
    db.session.commit()
