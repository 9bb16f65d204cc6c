"""The embedded scripts: size budget, caching, language files."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess

import pytest

from discuss.web.embed.i18n import FOLDER, languages

BUDGET = 12 * 1024  # embed.js with its CSS, gzipped


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_widget_fits_the_size_budget(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    size = gzipped(response.data)
    print(f"embed.js: {len(response.data)} bytes, {size} bytes gzipped (budget {BUDGET})")
    assert size <= BUDGET
    body = response.get_data(as_text=True)
    assert "__CSS__" not in body and "__STRINGS__" not in body and "__LANGS__" not in body
    assert "--discuss-accent" in body  # the stylesheet travels inside the script
    assert "Post comment" in body  # and so do the English strings


def test_count_script_is_tiny_and_knows_every_language(client):
    response = client.get("/embed/count.js")
    assert response.status_code == 200
    assert gzipped(response.data) < 2048
    body = response.get_data(as_text=True)
    assert "__WORDS__" not in body
    assert "Kommentare" in body and "коментарів" in body


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("path", ["/embed.js", "/embed/count.js"])
def test_scripts_are_valid_javascript(client, tmp_path, path):
    script = tmp_path / "script.js"
    script.write_bytes(client.get(path).data)
    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_scripts_are_cached_and_revalidated(client):
    first = client.get("/embed.js")
    assert first.headers["Cache-Control"] == "public, max-age=600"
    etag = first.headers["ETag"]
    again = client.get("/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_language_files_are_public_json(client):
    response = client.get("/embed/i18n/de.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["post"] == "Kommentar senden"
    assert client.get("/embed/i18n/xx.json").status_code == 404
    assert client.get("/embed/i18n/..%2Fen.json").status_code == 404


def test_six_languages_ship():
    assert set(languages()) >= {"en", "de", "fr", "es", "uk", "pl"}


PLURALS = {"en": {"one", "other"}, "de": {"one", "other"}, "es": {"one", "other"},
           "fr": {"one", "other"}, "uk": {"one", "few", "many", "other"},
           "pl": {"one", "few", "many", "other"}}


@pytest.mark.parametrize("lang", sorted(PLURALS))
def test_every_language_translates_every_string(lang):
    english = json.loads((FOLDER / "en.json").read_text("utf-8"))
    other = json.loads((FOLDER / f"{lang}.json").read_text("utf-8"))
    assert set(other) == set(english), "missing or extra keys"
    for key, text in english.items():
        if isinstance(text, dict):
            assert set(other[key]) == PLURALS[lang], key
            continue
        placeholders = set(re.findall(r"\{\w+\}", text))
        assert set(re.findall(r"\{\w+\}", other[key])) == placeholders, key
        assert other[key].strip(), key
