"""A post reads its site as a ``SiteSnapshot``, once, without loading the entity.

The snapshot stands in for ``Site`` wherever a request only reads its site (CORS, the flood
limit, the post itself), so it must say what the entity says, column for column, on both
databases, and never outlive a change the session committed or rolled back.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import ModerationMode, Site, SiteSnapshot, utcnow
from discuss.services.site_checks import ChecksChange, configure_site_checks
from discuss.services.sites import find_site, find_site_snapshot, get_site_snapshot
from tests.perf.conftest import QueryLog

CHECKS = [{"name": "links", "options": {"max": 1}, "trial": False},
          {"name": "flood", "options": {"limit": "2 per minute"}, "trial": True}]


def test_a_snapshot_has_every_column_of_a_site():
    assert [f.name for f in fields(SiteSnapshot)] == [c.key for c in Site.__table__.columns]


def test_a_snapshot_says_what_the_entity_says(app, make_site):
    make_site("news", origins=("https://news.example", "http://localhost:8000"),
              moderation="pre", spam_checks=CHECKS, closed=True, require_email=True,
              auto_close_days=14, privacy_url="https://news.example/privacy",
              language="de", max_links=4, flag_threshold=7, edit_window_seconds=60)
    with app.app_context():
        snapshot = get_site_snapshot("news")
        site = find_site("news")
        assert asdict(snapshot) == {c.key: getattr(site, c.key) for c in Site.__table__.columns}
        assert snapshot.moderation is ModerationMode.PRE
        assert snapshot.closed is True and snapshot.require_email is True
        assert snapshot.created_at.tzinfo is UTC
        assert snapshot.spam_checks[0]["options"] == {"max": 1}
        assert find_site_snapshot("elsewhere") is None


def test_a_snapshot_does_not_outlive_a_commit_or_a_rollback(app, make_site):
    make_site("news")
    with app.app_context():
        assert get_site_snapshot("news").closed is False
        find_site("news").closed = True
        db.session.commit()
        assert get_site_snapshot("news").closed is True  # read again after the commit

        configure_site_checks("news", ChecksChange(replace=CHECKS))
        assert get_site_snapshot("news").spam_checks == CHECKS

        # A rollback: the session's transaction is open (its own read), the site changes
        # through another connection, and after the rollback the snapshot says so.
        db.session.execute(sa.select(Site.id)).all()
        assert get_site_snapshot("news").require_email is False
        with db.engine.begin() as other:
            other.execute(sa.update(Site).values(require_email=True))
        assert get_site_snapshot("news").require_email is False  # kept meanwhile
        db.session.rollback()
        assert get_site_snapshot("news").require_email is True


def test_an_unknown_slug_is_asked_again_and_an_impossible_one_never(app, make_site):
    make_site("news")
    with app.app_context():
        assert find_site_snapshot("later") is None
        with db.engine.begin() as other:  # added elsewhere, nothing of this session ends
            other.execute(sa.insert(Site).values(
                slug="later", name="Later", origins=[], moderation="post", closed=False,
                max_depth=5, edit_window_seconds=900, max_links=2, require_email=False,
                language="en", flag_threshold=3, spam_checks=[], settings_version=1,
                created_at=utcnow()))
        assert get_site_snapshot("later").name == "Later"
        with QueryLog(app) as log:
            for impossible in ("a\x00b", "News", "news\n", "\ud800", "-news", "x" * 70):
                assert find_site_snapshot(impossible) is None
        assert log.count == 0


def test_a_closed_site_refuses_the_post_that_follows_closing_it(app, client, make_site,
                                                                 form_token):
    """Across requests each post reads the site afresh."""
    make_site("news")
    token = form_token()

    def post() -> int:
        return client.post("/api/v1/comments", headers={"Origin": "https://news.example"},
                           json={"site": "news", "thread": "article-1", "form_token": token,
                                 "author_name": "Reader", "body": "A fine article."}
                           ).status_code

    assert post() == 201
    with app.app_context():
        find_site("news").closed = True
        db.session.commit()
    assert post() == 403
