"""Importing a WordPress WXR export through ``discuss import wordpress``, read back over HTTP."""

from __future__ import annotations

from discuss.models import CommentStatus
from tests.imports.conftest import SAMPLES, flatten, stored

FILE = SAMPLES / "wordpress.xml"
LIBRARY = "/2024/05/library-vote/"
MARKET = "/market/"


def test_comments_replies_and_statuses(app, site, cli, thread_page):
    result = cli("import", "wordpress", FILE, "--site", "news")
    assert result.exit_code == 0, result.output
    assert ("imported 7 comments (4 approved, 1 deleted, 1 pending, 1 spam) into 2 threads"
            in result.stdout)
    assert "1 skipped" in result.stdout  # the pingback is not a reader's comment

    page = thread_page(LIBRARY)
    assert page["thread"]["title"] == "Council votes to keep the harbour library open late"
    assert page["thread"]["comment_count"] == 3
    henrik, held = page["comments"]
    assert henrik["created_at"] == "2024-05-14T08:12:00Z"  # comment_date_gmt
    # WordPress newlines: a blank line is a paragraph, a single newline a line break.
    assert henrik["html"] == ("<p>Good news for students.</p>\n<p>Exams start in June, and the "
                              "reading room<br>\nis the only quiet place near the quay.</p>")
    assert henrik["author"]["url"] == "https://henrik.example/"
    (priya,) = henrik["replies"]
    assert priya["depth"] == 1 and priya["author"]["url"] is None  # javascript: URL dropped
    # The pending comment is not public, but its approved reply keeps it as a tombstone.
    assert held["deleted"] is True and held["replies"][0]["author"]["name"] == "Mehmet"
    texts = " ".join(c["html"] for c in flatten(page["comments"]))
    for hidden in ("Win big", "rude remark", "the Courier reports"):
        assert hidden not in texts


def test_script_in_a_comment_does_not_survive(app, site, cli, thread_page):
    assert cli("import", "wordpress", FILE, "--site", "news").exit_code == 0
    priya = thread_page(LIBRARY)["comments"][0]["replies"][0]
    html = priya["html"]
    assert "<script" not in html and "document.cookie" not in html and "evil.example" not in html
    assert "onclick" not in html and "steal" not in html
    assert html == ('<p>Agreed, <strong>well done</strong> to <a href="https://library.example/'
                    'hours" rel="nofollow ugc noopener">the library team</a>.</p>')
    source = next(c for c in stored(app) if c.author_name == "Priya").body_source
    assert "script" not in source and source.startswith("Agreed, **well done**")


def test_statuses_map_to_ours_and_closed_pages_are_locked(app, site, cli, thread_page):
    assert cli("import", "wordpress", FILE, "--site", "news").exit_code == 0
    status = {c.author_name: c.status for c in stored(app)}
    assert status == {
        "Henrik": CommentStatus.APPROVED, "Priya": CommentStatus.APPROVED,
        "Waiting Reader": CommentStatus.PENDING, "Casino Deals": CommentStatus.SPAM,
        "Removed Person": CommentStatus.DELETED, "Mehmet": CommentStatus.APPROVED,
        "Аня": CommentStatus.APPROVED,
    }
    market = thread_page(MARKET)
    assert market["thread"]["locked"] is True  # comment_status closed
    (anya,) = market["comments"]
    assert anya["author"]["name"] == "Аня"
    assert anya["html"] == "<p>Привет, соседи! The café ☕ opens at 7 &amp; closes at 19.</p>"
    assert thread_page("/2024/07/tides/")["thread"]["comment_count"] == 0  # no comments, no thread


def test_reimport_is_idempotent_and_keeps_counts(app, site, cli, thread_page):
    assert cli("import", "wordpress", FILE, "--site", "news").exit_code == 0
    again = cli("import", "wordpress", FILE, "--site", "news")
    assert again.exit_code == 0
    assert "imported 0 comments" in again.stdout and "7 already present" in again.stdout
    assert len(stored(app)) == 7
    assert thread_page(LIBRARY)["thread"]["comment_count"] == 3


def test_thread_key_by_post_id(app, site, cli, thread_page):
    assert cli("import", "wordpress", FILE, "--site", "news", "--thread-key", "id").exit_code == 0
    assert thread_page("41")["thread"]["comment_count"] == 3
    assert thread_page("57")["thread"]["comment_count"] == 1
