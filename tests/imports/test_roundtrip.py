"""``discuss export`` and ``discuss import discuss``: a backup comes back with nothing lost."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from discuss.extensions import db
from discuss.models import Ban, BanKind, Comment, Flag, Site, SpamToken, Thread, Vote
from tests.imports.conftest import SAMPLES

FERRY = "/2024/03/ferry-timetable/"


def _busy_site(app, make_site, post_comment, client, cli) -> None:
    """A site with settings, widget comments, edits, deletions, votes, flags and imports."""
    make_site("news", origins=("https://news.example", "https://m.news.example"),
              max_depth=3, language="de", privacy_url="https://news.example/privacy",
              require_email=False, spam_checks=[{"name": "honeypot"},
                                                 {"name": "links", "trial": True}],
              edit_window_seconds=600, flag_threshold=5)
    first = post_comment("First! With a [link](https://example.org).", thread="article-1",
                         author_email="Ann@Example.org", thread_title="An article",
                         thread_url="https://news.example/a1")
    root = first.get_json()["comment"]["id"]
    reply = post_comment("A reply with *emphasis*.", thread="article-1", parent_id=root,
                         ip="192.0.2.2")
    gone = post_comment("Withdrawn later.", thread="article-1", ip="192.0.2.3")
    token = reply.get_json()["edit_token"]
    assert client.patch(f"/api/v1/comments/{reply.get_json()['comment']['id']}",
                        json={"body": "A reply, edited."},
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.delete(f"/api/v1/comments/{gone.get_json()['comment']['id']}",
                         headers={"Authorization": f"Bearer {gone.get_json()['edit_token']}"}
                         ).status_code == 204
    for ip, value in (("192.0.2.10", 1), ("192.0.2.11", 1), ("192.0.2.12", -1)):
        assert client.post(f"/api/v1/comments/{root}/vote", json={"value": value},
                           environ_base={"REMOTE_ADDR": ip}).status_code == 200
    assert client.post(f"/api/v1/comments/{root}/flag", json={"reason": "off-topic",
                                                              "note": "Not about it."},
                       environ_base={"REMOTE_ADDR": "192.0.2.20"}).status_code == 202
    assert cli("import", "disqus", SAMPLES / "disqus.xml", "--site", "news").exit_code == 0
    assert cli("import", "wordpress", SAMPLES / "wordpress.xml", "--site", "news").exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(Thread).where(Thread.key == "article-1")
                           .values(locked=True))
        site_id = db.session.scalar(sa.select(Site.id).where(Site.slug == "news"))
        db.session.add(Ban(site_id=site_id, kind=BanKind.EMAIL, value="troll@example.org",
                           reason="Repeated abuse", created_by="editor"))
        db.session.execute(sa.insert(SpamToken), [  # what a learning check has seen so far
            {"site_id": site_id, "namespace": "bayes", "token": "", "spam": 3, "ham": 9},
            {"site_id": site_id, "namespace": "bayes", "token": "casino", "spam": 3, "ham": 0},
        ])
        db.session.commit()


def _export(cli, slug: str) -> dict[str, Any]:
    result = cli("export", "--site", slug)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _without_ids(export: dict[str, Any]) -> dict[str, Any]:
    """Comment ids replaced by their position, so two exports compare on everything else."""
    order = {c["id"]: n for n, c in enumerate(c for t in export["threads"] for c in t["comments"])}
    for thread in export["threads"]:
        for comment in thread["comments"]:
            for name in ("id", "parent_id", "root_id"):
                comment[name] = order.get(comment[name])
    return export


def _drop_site(app, slug: str) -> None:
    with app.app_context():
        site_id = db.session.scalar(sa.select(Site.id).where(Site.slug == slug))
        threads = sa.select(Thread.id).where(Thread.site_id == site_id)
        comments = sa.select(Comment.id).where(Comment.thread_id.in_(threads))
        db.session.execute(sa.delete(Vote).where(Vote.comment_id.in_(comments)))
        db.session.execute(sa.delete(Flag).where(Flag.comment_id.in_(comments)))
        db.session.execute(sa.update(Comment).where(Comment.thread_id.in_(threads))
                           .values(parent_id=None))
        db.session.execute(sa.delete(Comment).where(Comment.thread_id.in_(threads)))
        db.session.execute(sa.delete(Thread).where(Thread.site_id == site_id))
        db.session.execute(sa.delete(SpamToken).where(SpamToken.site_id == site_id))
        db.session.execute(sa.delete(Ban).where(Ban.site_id == site_id))
        db.session.execute(sa.delete(Site).where(Site.id == site_id))
        db.session.commit()


def _listing(client, site: str, key: str) -> dict[str, Any]:
    """A thread as readers get it, with comment ids replaced by their place in the tree."""
    body = client.get("/api/v1/comments", query_string={"site": site, "thread": key}).get_json()
    order: dict[int, int] = {}

    def number(comments: list[dict[str, Any]]) -> None:
        for comment in comments:
            order[comment["id"]] = len(order)
            number(comment["replies"])

    def renumber(comments: list[dict[str, Any]]) -> None:
        for comment in comments:
            comment["id"] = order[comment["id"]]
            comment["parent_id"] = order.get(comment["parent_id"])
            renumber(comment["replies"])

    number(body["comments"])
    renumber(body["comments"])
    return body


def test_export_holds_every_stored_field(app, make_site, post_comment, client, cli):
    _busy_site(app, make_site, post_comment, client, cli)
    export = _export(cli, "news")
    assert export["format"] == "discuss-export" and export["version"] == 1
    assert export["site"]["language"] == "de" and export["site"]["max_depth"] == 3
    assert export["site"]["origins"] == ["https://news.example", "https://m.news.example"]
    article = next(t for t in export["threads"] if t["key"] == "article-1")
    assert article["locked"] is True and article["title"] == "An article"
    first, reply, gone = article["comments"]
    assert first["author_email"] == "ann@example.org" and first["author_ip"] == "192.0.2.1"
    assert (first["likes"], first["dislikes"], first["flag_count"]) == (2, 1, 1)
    assert len(first["votes"]) == 3 and {v["value"] for v in first["votes"]} == {1, -1}
    assert first["flags"][0]["reason"] == "off-topic"
    assert first["flags"][0]["note"] == "Not about it."
    assert reply["body_source"] == "A reply, edited." and reply["edited_at"] is not None
    assert reply["parent_id"] == first["id"] and reply["depth"] == 1
    assert gone["status"] == "deleted"
    assert {"namespace": "bayes", "token": "casino", "spam": 3, "ham": 0} in export["spam_tokens"]
    assert [check["name"] for check in export["site"]["spam_checks"]] == ["honeypot", "links"]
    statuses = {c["status"] for t in export["threads"] for c in t["comments"]}
    assert statuses == {"approved", "pending", "spam", "deleted"}


def test_restore_into_an_emptied_site_gives_the_same_export(app, make_site, post_comment,
                                                            client, cli, tmp_path):
    _busy_site(app, make_site, post_comment, client, cli)
    before = _export(cli, "news")
    listing_before = _listing(client, "news", FERRY)
    backup = tmp_path / "backup.json"
    saved = cli("export", "--site", "news", "--output", backup)
    assert saved.exit_code == 0 and "exported site news" in saved.stderr
    _drop_site(app, "news")
    assert client.get("/api/v1/comments?site=news&thread=x").status_code == 404

    result = cli("import", "discuss", backup, "--site", "news")
    assert result.exit_code == 0, result.output
    assert "(site created)" in result.stdout
    after = _export(cli, "news")
    assert after["site"] == before["site"]
    assert after["spam_tokens"] == before["spam_tokens"] and len(after["spam_tokens"]) == 2
    assert after["bans"] == before["bans"] and before["bans"][0]["value"] == "troll@example.org"
    assert _without_ids(after) == _without_ids(before)
    restored = _listing(client, "news", FERRY)
    assert restored == listing_before and len(restored["comments"]) == 3


def test_import_into_a_new_site_and_again_adds_nothing(app, make_site, post_comment, client,
                                                       cli, tmp_path):
    _busy_site(app, make_site, post_comment, client, cli)
    before = _export(cli, "news")
    path = tmp_path / "news.json"
    path.write_text(json.dumps(before), encoding="utf-8")
    assert cli("import", "discuss", path, "--site", "copy").exit_code == 0
    again = cli("import", "discuss", path, "--site", "copy")
    assert again.exit_code == 0
    total = sum(len(t["comments"]) for t in before["threads"])
    assert f"{total} already present" in again.stdout and "imported 0 comments" in again.stdout
    copy = _export(cli, "copy")
    assert copy["site"].pop("slug") == "copy" and before["site"].pop("slug") == "news"
    assert _without_ids(copy) == _without_ids(before)
    assert _listing(client, "copy", FERRY) == _listing(client, "news", FERRY)
    assert _listing(client, "copy", "article-1") == _listing(client, "news", "article-1")


def test_an_existing_site_keeps_its_settings(app, make_site, post_comment, client, cli,
                                             tmp_path):
    _busy_site(app, make_site, post_comment, client, cli)
    path = tmp_path / "news.json"
    path.write_text(json.dumps(_export(cli, "news")), encoding="utf-8")
    make_site("other", max_depth=7)
    assert cli("import", "discuss", path, "--site", "other").exit_code == 0
    other = _export(cli, "other")
    assert other["site"]["max_depth"] == 7 and other["spam_tokens"] == other["bans"] == []
    assert len(other["threads"]) == len(_export(cli, "news")["threads"])
