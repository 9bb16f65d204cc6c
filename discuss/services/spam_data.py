"""Data access for spam checks: reads of recent comments and the learning checks' counts.

Checks never touch the session; ``create_app`` hands this class to the spam registry,
which gives each check an instance bound to the site through ``CheckContext.data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, SpamToken
from discuss.pool import read_before_first_write

_CHUNK = 100
_SAME_BODY = (  # built once: every comment of a site with the duplicate check runs it
    sa.select(sa.func.count())
    .select_from(Comment)
    .where(
        Comment.thread_id == sa.bindparam("thread_id"),
        Comment.body_hash == sa.bindparam("body_hash"),
        Comment.created_at >= sa.bindparam("since"),
        Comment.status != CommentStatus.DELETED,
    )
)


class SqlCheckData:
    """The ``CheckData`` of one site, on the app's database."""

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id

    def count_same_body(self, thread_id: int, body_hash: str, since: datetime) -> int:
        """Comments of the thread with this body hash since ``since`` (deleted ones aside).

        Every comment posted asks, before anything is written (``policy.decide``)."""
        rows = read_before_first_write(
            db.engine, db.session, _SAME_BODY,
            {"thread_id": thread_id, "body_hash": body_hash, "since": since}, first_only=True)
        return rows[0][0] if rows else 0

    def feature_counts(self, namespace: str, features: list[str]) -> dict[str, tuple[int, int]]:
        """(spam, ham) of each known feature, and of ``""``: the documents learned."""
        wanted = list(dict.fromkeys(["", *features]))
        counts: dict[str, tuple[int, int]] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = db.session.execute(
                sa.select(SpamToken.token, SpamToken.spam, SpamToken.ham).where(
                    SpamToken.site_id == self.site_id,
                    SpamToken.namespace == namespace,
                    SpamToken.token.in_(wanted[start:start + _CHUNK]),
                )
            )
            counts.update({token: (spam, ham) for token, spam, ham in rows})
        return counts

    def learn(self, namespace: str, features: list[str], is_spam: bool,
              weight: int = 1) -> None:
        """Add one decided document: ``weight`` to its features and to ``""`` (in SQL, no
        read); -1 takes back a document learned before."""
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        tokens = sorted(set(features) | {""})  # a fixed order keeps concurrent writers apart
        spam, ham = (weight, 0) if is_spam else (0, weight)
        for start in range(0, len(tokens), _CHUNK):
            statement = insert(SpamToken).values([
                {"site_id": self.site_id, "namespace": namespace, "token": token,
                 "spam": spam, "ham": ham}
                for token in tokens[start:start + _CHUNK]
            ])
            statement = statement.on_conflict_do_update(
                index_elements=["site_id", "namespace", "token"],
                set_={"spam": SpamToken.spam + statement.excluded.spam,
                      "ham": SpamToken.ham + statement.excluded.ham},
            )
            db.session.execute(statement)

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """A savepoint, so one check's failed writes leave the caller's transaction whole."""
        with db.session.begin_nested():
            yield
