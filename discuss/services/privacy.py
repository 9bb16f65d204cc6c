"""Personal data: IPs anonymised after an age, old spam purged, a person erased on request."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from discuss.errors import Invalid
from discuss.extensions import db
from discuss.models import Comment, CommentStatus, utcnow
from discuss.services.threads import record_change


def anonymise_ip(ip: str | None) -> str | None:
    """Keep the network, drop the host: an IPv4 /24 or an IPv6 /48."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


@dataclass
class RetentionReport:
    """What one retention run changed."""

    anonymised: int
    purged_spam: int


def apply_retention(ip_days: int, spam_days: int) -> RetentionReport:
    """Anonymise IPs and user agents after ``ip_days``; purge spam older than ``spam_days``."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(Comment.id, Comment.author_ip, Comment.user_agent)
        .where(Comment.created_at < now - timedelta(days=ip_days),
               sa.or_(Comment.user_agent.is_not(None), Comment.author_ip.is_not(None)))
    ).all()
    changed = 0
    for comment_id, ip, user_agent in rows:
        anonymous = anonymise_ip(ip)
        if anonymous == ip and user_agent is None:
            continue  # already anonymous: a fixed point, so repeated runs change nothing
        changed += 1
        db.session.execute(
            sa.update(Comment).where(Comment.id == comment_id)
            .values(author_ip=anonymous, user_agent=None)
            .execution_options(synchronize_session=False)
        )
    child = aliased(Comment)
    purge = db.session.execute(
        sa.delete(Comment)
        .where(
            Comment.status == CommentStatus.SPAM,
            Comment.created_at < now - timedelta(days=spam_days),
            ~sa.select(child.id).where(child.parent_id == Comment.id).exists(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return RetentionReport(anonymised=changed, purged_spam=purge or 0)


def erase_person(email: str, delete_comments: bool = False) -> int:
    """Remove what identifies one author (email, IP, user agent, name, website) from every comment.

    With ``delete_comments`` their comments are withdrawn too (tombstones keep replies in place).
    """
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("Invalid email.", {"email": ["Not a valid email address."]})
    comments = db.session.scalars(sa.select(Comment).where(Comment.author_email == email)).all()
    for comment in comments:
        comment.author_email = None
        comment.author_ip = None
        comment.user_agent = None
        comment.author_name = None
        comment.author_url = None
        was_approved = comment.status is CommentStatus.APPROVED
        if delete_comments and comment.status is not CommentStatus.DELETED:
            comment.status = CommentStatus.DELETED
            record_change(comment.thread_id, -1 if was_approved else 0)
        else:
            record_change(comment.thread_id)
    db.session.commit()
    return len(comments)
