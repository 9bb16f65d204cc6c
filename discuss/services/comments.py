"""Comments from the author's side: submit, read back, edit and delete with the edit token."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from discuss import observability
from discuss.errors import EditWindowClosed, Forbidden, Invalid, NotFound, Unauthorized
from discuss.extensions import db
from discuss.models import Comment, CommentStatus, Site, SiteSnapshot, Thread, utcnow
from discuss.pool import read_before_first_write, write_alone
from discuss.services.bans import ensure_not_banned
from discuss.services.client import ClientInfo
from discuss.services.sites import get_site_snapshot
from discuss.services.threads import (
    ThreadFacts,
    change_parameters,
    change_step,
    create_thread,
    find_thread_facts,
    record_change,
    recording_change,
)
from discuss.spam import policy
from discuss.spam.base import Submission
from discuss.text import render_markdown
from discuss.tokens import edit_token_valid, form_token_age, make_edit_token, pseudonym
from discuss.transactions import ONE_STATEMENT


@dataclass(frozen=True)
class NewComment:
    """What a reader sends to post a comment (already shape-checked by the schema)."""

    site: str
    thread: str
    body: str
    thread_url: str | None = None
    thread_title: str | None = None
    parent_id: int | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    notify_replies: bool = False
    form_token: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class CommentChange:
    """What an author may change inside the edit window; None leaves a field as it is."""

    body: str | None = None
    author_name: str | None = None
    author_url: str | None = None


@dataclass
class Submitted:
    """The comment as stored (built from the values written, outside the session), its edit
    token and the public status (spam shows as pending)."""

    comment: Comment
    edit_token: str
    public_status: CommentStatus


_COMMENTS = Comment.__table__
# A new comment's values under names of their own: in the one statement with the thread's
# change (PostgreSQL), a parameter named like a column of threads (created_at) would join
# the change's SET.
_NEW_ROW = {column.key: sa.bindparam(f"new_{column.key}", type_=column.type)
            for column in _COMMENTS.columns if column.key not in ("id", "edited_at")}
_INSERT_COMMENT = sa.insert(_COMMENTS).values(_NEW_ROW).returning(_COMMENTS.c.id)  # built once
_INSERT_AND_RECORD = recording_change(_INSERT_COMMENT).execution_options(**ONE_STATEMENT)
# The columns' plain defaults (counters at zero, an empty hash), written with the row: the
# answer to a post is built from the values written, so it needs them, and the model stays
# the one place they are stated. Columns without a default are None in the answer.
_PLAIN_DEFAULTS = {column.key: column.default.arg for column in _COMMENTS.columns
                   if column.default is not None and column.default.is_scalar}


def _settings():
    return current_app.config["DISCUSS"]


def _clean_body(body: str) -> str:
    body = body.strip()
    errors: list[str] = []
    if not body:
        errors.append("Must not be empty.")
    elif len(body) > _settings().max_comment_chars:
        errors.append(f"Must be at most {_settings().max_comment_chars} characters.")
    if errors:
        raise Invalid("The comment body is not acceptable.", {"body": errors})
    return body


def normalised_body_hash(body: str) -> str:
    """Equal for bodies that differ only in case and spacing, as the duplicate check needs."""
    normalised = " ".join(body.lower().split())
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def avatar_hash(email: str | None, name: str | None, ip: str | None) -> str:
    """A stable picture seed per author that reveals neither the email nor the IP."""
    return pseudonym("avatar", (email or "").lower() or f"{name or ''}|{ip or ''}")


_APPROVED_BY = (sa.select(sa.literal(1)).select_from(Comment)
                .join(Thread, Thread.id == Comment.thread_id)
                .where(Thread.site_id == sa.bindparam("site_id"),
                       Comment.author_email == sa.bindparam("email"),
                       Comment.status == CommentStatus.APPROVED)
                .limit(1))


def author_has_approved(email: str | None, site: Site | SiteSnapshot) -> bool:
    """Whether this email already has an approved comment on the site."""
    if not email:
        return False
    return bool(read_before_first_write(db.engine, db.session, _APPROVED_BY,
                                        {"site_id": site.id, "email": email.lower()},
                                        first_only=True))


@dataclass(frozen=True)
class _Parent:
    """What a reply needs of the comment it answers."""

    id: int
    thread_id: int
    root_id: int | None
    depth: int


_APPROVED_COMMENT = sa.select(Comment.id, Comment.thread_id, Comment.root_id, Comment.depth).where(
    Comment.id == sa.bindparam("comment_id"), Comment.status == CommentStatus.APPROVED)


def _resolve_parent(thread: ThreadFacts | None, parent_id: int) -> _Parent:
    rows = read_before_first_write(db.engine, db.session, _APPROVED_COMMENT,
                                   {"comment_id": parent_id}, first_only=True)
    if not rows:
        raise NotFound(f"No comment {parent_id} to reply to.")
    parent = _Parent(*rows[0])
    if thread is None or parent.thread_id != thread.id:
        raise Invalid(
            "The parent comment is in another thread.",
            {"parent_id": ["The parent comment belongs to another thread."]},
        )
    return parent


def submit_comment(data: NewComment, client: ClientInfo) -> Submitted:
    """Check, store and classify a new comment or reply; the one way comments come in."""
    site = get_site_snapshot(data.site)
    if site.closed:
        raise Forbidden("Comments are closed on this site.")
    body = _clean_body(data.body)
    email = data.author_email.strip().lower() if data.author_email else None
    if site.require_email and not email:
        raise Invalid("An email address is required.", {"author_email": ["Required."]})
    ensure_not_banned(site, email, data.author_name, client.ip)

    existing = find_thread_facts(site, data.thread)
    parent = _resolve_parent(existing, data.parent_id) if data.parent_id is not None else None
    if existing is not None and existing.is_closed(site):
        raise Forbidden("This thread is closed for comments.")

    html = render_markdown(body)
    submission = Submission(
        site_slug=site.slug,
        thread_key=data.thread,
        body=body,
        body_html=html,
        author_name=data.author_name,
        author_email=email,
        author_url=data.author_url,
        ip=client.ip,
        user_agent=client.user_agent,
        referrer=client.referrer,
        parent_id=parent.id if parent else None,
        honeypot=data.website,
        form_token_age=form_token_age(data.form_token, site.slug, _settings().form_token_max_age),
        form_token_present=bool(data.form_token),
        author_has_approved=author_has_approved(email, site),
        thread_id=existing.id if existing else None,
        body_hash=normalised_body_hash(body),
        thread_url=(existing.url if existing else None) or data.thread_url,
    )
    decision = policy.decide(site, submission)

    thread_id = (existing.id if existing
                 else create_thread(site, data.thread, data.thread_url, data.thread_title).id)
    values: dict[str, Any] = {
        **_PLAIN_DEFAULTS,
        "thread_id": thread_id,
        "parent_id": parent.id if parent else None,
        "root_id": (parent.root_id or parent.id) if parent else None,
        "depth": parent.depth + 1 if parent else 0,
        "status": decision.status,
        "author_name": data.author_name,
        "author_email": email,
        "author_url": data.author_url,
        "author_ip": client.ip,
        "user_agent": (client.user_agent or "")[:500] or None,
        "avatar": avatar_hash(email, data.author_name, client.ip),
        "body_source": body,
        "body_html": html,
        "body_hash": submission.body_hash,
        "notify_replies": data.notify_replies,
        "checks": decision.records,
        "created_at": utcnow(),
    }
    approved = decision.status is CommentStatus.APPROVED
    comment = Comment(id=_store(values, thread_id, 1 if approved else 0), **values)
    observability.record_comment(comment.status)
    public = CommentStatus.APPROVED if approved else CommentStatus.PENDING
    return Submitted(comment=comment, edit_token=make_edit_token(comment.id), public_status=public)


def _store(values: dict[str, Any], thread_id: int, approved_delta: int) -> int:
    """Write and commit the comment's row and its thread's change; the new comment's id.

    Plain SQL, not the ORM's unit of work, which costs more than the statement for a row
    nothing else in the request touches (the answer shows only the columns just written, so
    the comment is built from them); after a post that only read, on a reader connection
    (``pool.write_alone``). PostgreSQL takes row and change as one statement: one round
    trip and a transaction of its own without ``BEGIN`` and ``COMMIT``
    (``discuss/transactions.py``). SQLite, which has no data-modifying ``WITH``, takes two
    in one transaction.
    """
    row = {f"new_{key}": value for key, value in values.items()}
    if db.engine.dialect.name == "postgresql":
        steps = [(_INSERT_AND_RECORD, {**row, **change_parameters(thread_id, approved_delta)})]
    else:
        steps = [(_INSERT_COMMENT, row), change_step(thread_id, approved_delta)]
    return write_alone(db.engine, db.session, steps)[0][0]


def _authorised(comment_id: int, token: str | None, *, for_change: bool) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status is CommentStatus.DELETED:
        raise NotFound(f"No comment {comment_id}.")
    window = comment.thread.site.edit_window_seconds
    if not for_change and token is None:
        if comment.status is not CommentStatus.APPROVED:
            raise NotFound(f"No comment {comment_id}.")
        return comment
    if token is None:
        raise Unauthorized("Send the comment's edit token as 'Authorization: Bearer <token>'.")
    if not edit_token_valid(token, comment_id, max_age=10 * 365 * 86400):
        raise Forbidden("This edit token is not valid for this comment.")
    expired = utcnow() - comment.created_at > timedelta(seconds=window)
    if expired or not edit_token_valid(token, comment_id, max_age=window):
        if not for_change and comment.status is CommentStatus.APPROVED:
            return comment
        raise EditWindowClosed("The edit window for this comment has closed.")
    return comment


def get_comment(comment_id: int, edit_token: str | None = None) -> Comment:
    """An approved comment, or any status for its author holding a live edit token."""
    return _authorised(comment_id, edit_token, for_change=False)


def holds_live_token(comment: Comment, edit_token: str | None) -> bool:
    """Whether the token is this comment's and its edit window is still open (author's view)."""
    window = comment.thread.site.edit_window_seconds
    return (edit_token is not None
            and utcnow() - comment.created_at <= timedelta(seconds=window)
            and edit_token_valid(edit_token, comment.id, max_age=window))


def edit_comment(comment_id: int, edit_token: str | None, change: CommentChange) -> Comment:
    """Change body, name or website inside the edit window; the HTML is rendered anew."""
    comment = _authorised(comment_id, edit_token, for_change=True)
    if change.body is not None:
        body = _clean_body(change.body)
        comment.body_source = body
        comment.body_html = render_markdown(body)
        comment.body_hash = normalised_body_hash(body)
    if change.author_name is not None:
        comment.author_name = change.author_name or None
    if change.author_url is not None:
        comment.author_url = change.author_url or None
    comment.edited_at = utcnow()
    record_change(comment.thread_id)
    db.session.commit()
    return comment


def delete_comment(comment_id: int, edit_token: str | None) -> None:
    """The author withdraws a comment; with visible replies it stays as a tombstone."""
    comment = _authorised(comment_id, edit_token, for_change=True)
    was_approved = comment.status is CommentStatus.APPROVED
    comment.status = CommentStatus.DELETED
    record_change(comment.thread_id, -1 if was_approved else 0)
    db.session.commit()


def preview_body(body: str) -> str:
    """The HTML a body would be stored as, under the same rules as a real comment."""
    return render_markdown(_clean_body(body))
