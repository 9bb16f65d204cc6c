"""Importing a Disqus XML export through ``discuss import disqus``, read back over HTTP."""

from __future__ import annotations

from discuss.models import CommentStatus
from tests.imports.conftest import SAMPLES, flatten, stored

FILE = SAMPLES / "disqus.xml"
FERRY = "/2024/03/ferry-timetable/"
BRIDGE = "/2024/04/bridge-repairs/"


def test_threads_replies_and_statuses_list_as_readers_see_them(app, site, cli, thread_page):
    result = cli("import", "disqus", FILE, "--site", "news")
    assert result.exit_code == 0, result.output
    assert "imported 9 comments (7 approved, 1 deleted, 1 spam)" in result.stdout
    assert "2 threads (2 new)" in result.stdout
    assert "Importing disqus.xml" in result.stderr  # progress goes to stderr
    assert "comment 9007 answers 8888, which is not in the file" in result.stderr

    page = thread_page(FERRY)
    assert page["thread"]["title"] == "Night ferry timetable: what changes in spring"
    assert page["thread"]["url"] == "https://courier.example/2024/03/ferry-timetable/"
    assert page["thread"]["comment_count"] == 5  # approved only: not the spam, not the deleted
    marta, tombstone, orphan = page["comments"]
    assert marta["author"]["name"] == "Marta K."
    assert marta["html"] == ("<p>The spring timetable <strong>finally</strong> brings back a late "
                             "boat.</p>\n<p>About time, I'd say.</p>")
    assert marta["created_at"] == "2024-03-02T09:15:00Z"
    tomas = marta["replies"][0]
    assert tomas["author"]["name"] == "Tomás"
    assert (tomas["depth"], tomas["parent_id"]) == (1, marta["id"])
    zoe = tomas["replies"][0]
    assert zoe["depth"] == 2 and zoe["author"]["name"] == "Zoë Ångström"
    assert "東京" in zoe["html"] and "🚢" in zoe["html"] and "<br>" in zoe["html"]
    # The deleted comment keeps its reply visible as a tombstone; the orphan stands alone.
    assert tombstone["deleted"] is True and tombstone["html"] == ""
    assert tombstone["replies"][0]["author"]["name"] == "Lea"
    assert orphan["parent_id"] is None and orphan["author"]["name"] == "Oskar"
    assert all("Cheap watches" not in c["html"] for c in flatten(page["comments"]))


def test_hostile_html_is_sanitised_and_parents_may_come_later(app, site, cli, thread_page):
    assert cli("import", "disqus", FILE, "--site", "news").exit_code == 0
    page = thread_page(BRIDGE)
    assert page["thread"]["locked"] is True  # the Disqus thread was closed
    (question,) = page["comments"]
    assert question["author"]["name"] == "Guest Walker"
    html = question["html"]
    assert "<script" not in html and "gotcha" not in html
    assert "javascript:" not in html and "onerror" not in html and "<img" not in html
    assert '<a href="https://cdn.example/x.png" rel="nofollow ugc noopener">map</a>' in html
    (answer,) = question["replies"]  # listed before its parent in the file
    assert answer["author"]["name"] == "Inês" and answer["depth"] == 1


def test_private_fields_are_kept_for_moderators(app, site, cli):
    assert cli("import", "disqus", FILE, "--site", "news").exit_code == 0
    by_author = {c.author_name: c for c in stored(app)}
    assert by_author["Zoë Ångström"].author_email == "zoe@readers.example"
    assert by_author["Zoë Ångström"].author_ip == "2001:db8::17"
    assert by_author["Guest Walker"].author_ip is None  # "not-an-ip" is dropped
    assert by_author["Best Offers"].status is CommentStatus.SPAM
    assert by_author["Sam"].status is CommentStatus.DELETED
    origin = by_author["Marta K."].checks[-1]
    assert origin["check"] == "import" and origin["import_origin"] == {"source": "disqus",
                                                                      "id": "9001"}
    assert by_author["Marta K."].body_source.startswith("The spring timetable **finally**")


def test_running_the_import_again_adds_nothing(app, site, cli, thread_page):
    assert cli("import", "disqus", FILE, "--site", "news").exit_code == 0
    first = thread_page(FERRY)
    again = cli("import", "disqus", FILE, "--site", "news")
    assert again.exit_code == 0, again.output
    assert "imported 0 comments" in again.stdout and "9 already present" in again.stdout
    assert len(stored(app)) == 9
    assert thread_page(FERRY)["comments"] == first["comments"]
    assert thread_page(FERRY)["thread"]["comment_count"] == 5


def test_import_joins_existing_threads_and_changes_their_etag(app, site, cli, client,
                                                              post_comment):
    assert post_comment("Posted before the import.", thread=FERRY).status_code == 201
    before = client.get("/api/v1/comments", query_string={"site": "news", "thread": FERRY})
    assert cli("import", "disqus", FILE, "--site", "news").exit_code == 0
    after = client.get("/api/v1/comments", query_string={"site": "news", "thread": FERRY},
                       headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the thread's version moved on
    assert after.get_json()["thread"]["comment_count"] == 6
    counts = client.get("/api/v1/counts", query_string={"site": "news",
                                                        "thread": [FERRY, BRIDGE]})
    assert counts.get_json()["counts"] == {FERRY: 6, BRIDGE: 2}


def test_thread_key_choices(app, site, cli, thread_page):
    result = cli("import", "disqus", FILE, "--site", "news", "--thread-key", "id")
    assert result.exit_code == 0, result.output
    # The Disqus identifier when there is one, else the URL's path.
    assert thread_page("ferry-timetable")["thread"]["comment_count"] == 5
    assert thread_page(BRIDGE)["thread"]["comment_count"] == 2
    assert thread_page("quiet-article")["thread"]["comment_count"] == 0  # never created


def test_dry_run_writes_nothing(app, site, cli):
    result = cli("import", "disqus", FILE, "--site", "news", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 9 comments" in result.stdout and "nothing was written" in result.stdout
    assert stored(app) == []


def test_odd_trees_are_repaired_with_warnings(app, site, cli, tmp_path, thread_page):
    def post(dsq_id: str, thread: str, parent: str | None, text: str) -> str:
        reference = f'<parent dsq:id="{parent}"/>' if parent else ""
        return (f'<post dsq:id="{dsq_id}"><message><![CDATA[<p>{text}</p>]]></message>'
                "<createdAt>2024-01-02T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
                f"<isSpam>false</isSpam><author><name>{text}</name></author>"
                f'<thread dsq:id="{thread}"/>{reference}</post>')

    path = tmp_path / "odd.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        + post("1", "10", "2", "Loop A") + post("2", "10", "1", "Loop B")
        + post("5", "20", "1", "Other thread")
        + post("3", "10", None, "Once") + post("3", "10", None, "Same id again")
        + post("4", "99", None, "Unknown thread")
        + '<thread dsq:id="10"><link>https://x.example/ten</link></thread>'
        + '<thread dsq:id="20"><link>https://x.example/twenty</link></thread></disqus>',
        encoding="utf-8")
    result = cli("import", "disqus", path, "--site", "news")
    assert result.exit_code == 0, result.output
    assert "is part of a reply loop" in result.stderr
    assert "comment 5 answers 1, which is in another thread" in result.stderr
    assert "comment 3 appears twice in the file" in result.stderr
    assert "post(s) belong to thread '99'" in result.stderr
    assert "imported 4 comments" in result.stdout and "2 skipped" in result.stdout
    loop, once = thread_page("/ten")["comments"]  # posts may come before their thread
    assert once["author"]["name"] == "Once"
    assert loop["author"]["name"] == "Loop A"
    assert loop["replies"][0]["author"]["name"] == "Loop B"
    assert thread_page("/twenty")["comments"][0]["parent_id"] is None
