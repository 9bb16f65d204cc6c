"""Importing an Isso SQLite database through ``discuss import isso``, read back over HTTP."""

from __future__ import annotations

from discuss.models import CommentStatus
from tests.imports.conftest import stored

LIGHTS = "/2023/11/harbour-lights/"


def test_modes_threads_markdown_and_counters(app, site, cli, isso_db, thread_page):
    result = cli("import", "isso", isso_db, "--site", "news")
    assert result.exit_code == 0, result.output
    assert "imported 6 comments (4 approved, 1 deleted, 1 pending) into 2 threads" in result.stdout

    page = thread_page(LIGHTS)
    assert page["thread"]["title"] == "Harbour lights switched to LED"
    assert page["thread"]["comment_count"] == 3
    ruth, tombstone = page["comments"]
    assert ruth["created_at"] == "2023-11-20T18:00:00Z"
    assert ruth["html"] == ('<p>The new lights are <em>much</em> brighter. See <a href="https://'
                            'council.example/led" rel="nofollow ugc noopener">the council note'
                            '</a>.</p>')
    assert (ruth["likes"], ruth["dislikes"]) == (4, 1)
    assert ruth["author"]["url"] == "https://ruth.example"
    (jorg,) = ruth["replies"]
    assert jorg["author"]["name"] == "Jörg" and jorg["edited_at"] == "2023-11-20T19:05:00Z"
    assert "<blockquote>" in jorg["html"]
    assert jorg["replies"] == []  # the held reply is not public
    assert tombstone["deleted"] is True  # Isso mode 4, kept for its reply
    assert "日本語も大丈夫" in tombstone["replies"][0]["html"]
    assert thread_page("/2023/12/winter-market/")["thread"]["comment_count"] == 1


def test_isso_text_is_rendered_as_markdown_and_sanitised(app, site, cli, isso_db):
    assert cli("import", "isso", isso_db, "--site", "news").exit_code == 0
    held = next(c for c in stored(app) if c.author_name == "Anon")
    assert held.status is CommentStatus.PENDING and held.depth == 2
    assert "<script>" not in held.body_html and "&lt;script&gt;" in held.body_html
    assert "<strong>bold</strong>" in held.body_html
    assert held.author_url is None  # javascript: URL dropped
    jorg = next(c for c in stored(app) if c.author_name == "Jörg")
    assert jorg.author_email == "joerg@readers.example" and jorg.author_ip == "203.0.113.0"


def test_reimport_adds_only_new_comments(app, site, cli, isso_db, thread_page):
    import sqlite3
    from contextlib import closing

    assert cli("import", "isso", isso_db, "--site", "news").exit_code == 0
    with closing(sqlite3.connect(isso_db)) as connection:
        connection.execute(
            "INSERT INTO comments VALUES (1, 7, 5, 1700600000.0, NULL, 1, '198.51.100.0', "
            "'A late reply to Kenji.', 'Mia', NULL, NULL, 0, 0, X'00', 0)")
        connection.commit()
    again = cli("import", "isso", isso_db, "--site", "news")
    assert again.exit_code == 0, again.output
    assert "imported 1 comments (1 approved)" in again.stdout
    assert "6 already present" in again.stdout
    page = thread_page(LIGHTS)
    assert page["thread"]["comment_count"] == 4
    kenji = page["comments"][1]["replies"][0]
    assert kenji["replies"][0]["author"]["name"] == "Mia"  # parent found from the first run
    assert kenji["replies"][0]["depth"] == 2
