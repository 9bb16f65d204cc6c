"""The audit log as a download (admin) and as a file (``discuss audit export``)."""

from __future__ import annotations

import csv
import io
import json

from discuss.extensions import db
from discuss.models import AuditAction
from discuss.services import audit
from discuss.services.actors import SYSTEM
from discuss.services.audit_export import COLUMNS
from discuss.services.sites import get_site


def _act(client, token, comment_id, action, note):
    response = client.post(f"/admin/comments/{comment_id}/act",
                           data={"action": action, "csrf_token": token, "note": note})
    assert response.status_code == 302


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_moderator_downloads_their_sites_log_as_csv(make_site, signed_in, held, app):
    make_site(moderation="pre")
    make_site("other", origins=("https://other.example",), moderation="pre")
    first = held("First one.")
    second = held("Second one.")
    elsewhere = held("On the other site.", site="other")
    client, token = signed_in("mod", sites=("news",))
    _act(client, token, first, "approve", "fine")
    _act(client, token, second, "spam", '=HYPERLINK("https://evil.example","click")')
    boss, boss_token = signed_in("boss", role="admin")
    _act(boss, boss_token, elsewhere, "approve", "other site")

    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'href="/admin/audit/export?format=csv"' in page
    response = client.get("/admin/audit/export?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows(response)
    assert [(r["comment_id"], r["action"], r["site"], r["actor"]) for r in rows] == [
        (str(first), "approve", "news", "mod"), (str(second), "spam", "news", "mod")]
    assert [r["previous_status"] for r in rows] == ["pending", "pending"]
    assert rows[1]["note"] == "'=HYPERLINK(\"https://evil.example\",\"click\")"  # never a formula
    assert rows[0]["time"].endswith("Z")
    assert all(r["site"] != "other" for r in rows)  # outside the moderator's scope


def test_the_json_lines_download_matches_the_api(make_site, signed_in, held):
    make_site(moderation="pre")
    comment_id = held()
    client, token = signed_in("mod", sites=("news",))
    _act(client, token, comment_id, "reject", "off topic")
    response = client.get("/admin/audit/export?site=news&actor=mod&format=jsonl")
    assert response.status_code == 200 and response.mimetype == "application/jsonl"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    listed = client.get("/api/v1/moderation/audit?site=news&actor=mod").get_json()["events"]
    assert [line["id"] for line in lines] == [event["id"] for event in reversed(listed)]
    assert lines[0]["note"] == "off topic" and lines[0]["new_status"] == "rejected"
    assert lines[0]["time"] == listed[0]["created_at"]


def test_a_download_outside_the_scope_is_refused_and_a_bad_format_explained(
        make_site, signed_in):
    make_site()
    make_site("other", origins=("https://other.example",))
    client, _ = signed_in("mod", sites=("other",))
    assert client.get("/admin/audit/export?site=news").status_code == 403
    assert client.get("/admin/audit/export?site=nowhere").status_code == 404
    response = client.get("/admin/audit/export?format=xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unknown format" in page
    assert client.get("/admin/audit/export").status_code == 200  # its own sites: none yet


def test_a_long_log_comes_whole_and_in_order(app, site, signed_in):
    with app.app_context():
        news = get_site("news")
        for n in range(1203):
            audit.record(SYSTEM, AuditAction.LOCK, site_id=news.id, note=f"event {n}")
        db.session.commit()
    client, _ = signed_in("boss", role="admin")
    rows = _rows(client.get("/admin/audit/export?site=news"))
    assert [r["note"] for r in rows] == [f"event {n}" for n in range(1203)]
    # a filter that does not parse is dropped and said so; the others still apply
    response = client.get("/admin/audit/export?site=news&actor=" + "x" * 101)
    assert len(_rows(response)) == 1203
    assert "Ignored filter(s) that are not valid: actor" in client.get(
        "/admin/audit").get_data(as_text=True)


def test_the_command_writes_the_log_to_a_file(app, make_site, signed_in, held, tmp_path):
    make_site(moderation="pre")
    comment_id = held()
    client, token = signed_in("mod", sites=("news",))
    _act(client, token, comment_id, "approve", "ok")
    runner = app.test_cli_runner()
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(args=["audit", "export", "--site", "news", "--format", "jsonl",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["comment_id"], line["action"]) for line in lines] == [(comment_id, "approve")]
    later = runner.invoke(args=["audit", "export", "--site", "news", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.output.strip() == ",".join(COLUMNS)
    earlier = runner.invoke(args=["audit", "export", "--until", "2000-01-01", "--format", "csv"])
    assert earlier.output.strip() == ",".join(COLUMNS)
    unknown = runner.invoke(args=["audit", "export", "--site", "nowhere"])
    assert unknown.exit_code == 1 and "No site named 'nowhere'" in unknown.output
