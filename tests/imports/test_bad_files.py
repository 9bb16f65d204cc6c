"""Files that cannot be imported: a clear message, a non-zero exit, and nothing written."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from tests.imports.conftest import SAMPLES, stored


def _disqus_posts(count: int) -> str:
    posts = "".join(
        f'<post dsq:id="{n}"><message><![CDATA[<p>Comment {n}</p>]]></message>'
        f"<createdAt>2024-01-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        f'<isSpam>false</isSpam><author><name>R{n}</name></author><thread dsq:id="1"/></post>'
        for n in range(1, count + 1)
    )
    return ('<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals"><thread dsq:id="1">'
            "<link>https://x.example/a</link><title>A</title></thread>" + posts)


def _refused(result, *phrases: str) -> None:
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


def test_a_file_broken_half_way_imports_nothing(app, site, cli, tmp_path, thread_page):
    path = tmp_path / "broken.xml"
    # 700 good posts (more than one write batch), then the file is cut off mid-element.
    path.write_text(_disqus_posts(700) + '<post dsq:id="701"><message>cut', encoding="utf-8")
    result = cli("import", "disqus", path, "--site", "news")
    _refused(result, "Cannot import broken.xml", "the XML is malformed", "line 1")
    assert stored(app) == []
    assert thread_page("/a")["thread"]["comment_count"] == 0


def test_the_same_file_when_whole_imports(app, site, cli, tmp_path, thread_page):
    path = tmp_path / "whole.xml"
    path.write_text(_disqus_posts(700) + "</disqus>", encoding="utf-8")
    result = cli("import", "disqus", path, "--site", "news")
    assert result.exit_code == 0, result.output
    page = thread_page("/a", limit=100)
    assert page["thread"]["comment_count"] == 700 and len(page["comments"]) == 100


@pytest.mark.parametrize("body, phrase", [
    ('<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><disqus>&c;</disqus>', "entities"),
    ('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><disqus><post dsq:id="1" '
     'xmlns:dsq="http://disqus.com/disqus-internals"><message>&x;</message></post></disqus>',
     "entities"),
    ("<rss><channel/></rss>", "this is not a Disqus export"),
    ("", "the XML is malformed"),
    ('{"format": "discuss-export"}', "the XML is malformed"),
])
def test_hostile_or_foreign_xml_is_refused(app, site, cli, tmp_path, body, phrase):
    path = tmp_path / "export.xml"
    path.write_text(body, encoding="utf-8")
    _refused(cli("import", "disqus", path, "--site", "news"), phrase)
    assert stored(app) == []


def test_wordpress_and_disqus_files_are_told_apart(app, site, cli):
    _refused(cli("import", "wordpress", SAMPLES / "disqus.xml", "--site", "news"),
             "not a WordPress export (WXR)")
    _refused(cli("import", "disqus", SAMPLES / "wordpress.xml", "--site", "news"),
             "not a Disqus export")


def test_a_bad_date_names_the_post(app, site, cli, tmp_path):
    path = tmp_path / "dates.xml"
    text = (SAMPLES / "disqus.xml").read_text(encoding="utf-8")
    path.write_text(text.replace("2024-03-02T09:40:00Z", "yesterday"), encoding="utf-8")
    _refused(cli("import", "disqus", path, "--site", "news"), "post 9002 has no valid date")
    assert stored(app) == []


def test_isso_needs_an_isso_database(app, site, cli, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words " * 20, encoding="utf-8")
    _refused(cli("import", "isso", text, "--site", "news"), "not a readable Isso database")
    empty = tmp_path / "empty.db"
    with closing(sqlite3.connect(empty)) as connection:
        connection.execute("CREATE TABLE other (id INTEGER)")
    _refused(cli("import", "isso", empty, "--site", "news"), "not an Isso database")


def test_unknown_site_and_missing_file(app, site, cli, tmp_path):
    result = cli("import", "disqus", SAMPLES / "disqus.xml", "--site", "nowhere")
    assert result.exit_code != 0 and "No site named 'nowhere'" in result.output
    assert "discuss sites create nowhere" in result.output
    missing = cli("import", "disqus", tmp_path / "missing.xml", "--site", "news")
    assert missing.exit_code != 0 and "does not exist" in missing.output
    export = cli("export", "--site", "nowhere")
    assert export.exit_code != 0 and "No site named 'nowhere'" in export.output


@pytest.mark.parametrize("content, phrase", [
    ('{"format": "discuss-export", "version": 1, "site": {},\n"threads": [\n{"key": "k",, }]}',
     "the JSON is malformed (Expecting property name enclosed in double quotes at line 3, "
     "column 13)"),
    ('{"format": "discuss-export", "version": 1, "site": {}, "threads": [{"key": "k"',
     "the JSON is malformed (Expecting ',' delimiter at line 1"),
    ('{"format": "discuss-export", "version": 1, "site": {}, "threads": [], "more": 1}',
     "unexpected member 'more'"),
    ('{"format": "something-else"}', "this is not a discuss export"),
    ('{"format": "discuss-export", "version": 9, "threads": []}', "export version 9"),
    (json.dumps({"format": "discuss-export", "version": 1, "site": {}, "threads": [
        {"key": "k", "comments": [{"id": 1, "status": "maybe", "body_source": "x",
                                   "created_at": "2024-01-01T00:00:00Z"}]}]}),
     "threads[0].comments[0].status must be one of"),
    (json.dumps({"format": "discuss-export", "version": 1, "site": {}, "threads": [
        {"key": "k", "comments": [{"id": 1, "status": "approved", "body_source": "x",
                                   "created_at": "2024-01-01T00:00:00Z", "colour": "red"}]}]}),
     "unknown field(s): colour"),
    (json.dumps({"format": "discuss-export", "version": 1, "site": {"max_depth": "deep"},
                 "threads": []}), "site.max_depth must be an integer"),
])
def test_bad_discuss_exports_create_nothing(app, cli, tmp_path, client, content, phrase):
    path = tmp_path / "backup.json"
    path.write_text(content, encoding="utf-8")
    _refused(cli("import", "discuss", path, "--site", "restored"), phrase)
    assert client.get("/api/v1/comments?site=restored&thread=k").status_code == 404


def test_commands_are_listed_with_their_options(cli):
    listing = cli("--help")
    assert "import" in listing.output and "export" in listing.output
    usage = cli("import", "--help").output
    for text in ("disqus", "wordpress", "isso", "discuss", "--site", "--thread-key", "--dry-run"):
        assert text in usage
    assert cli("import", "blogger", SAMPLES / "disqus.xml", "--site", "news").exit_code == 2
