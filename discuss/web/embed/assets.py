"""The scripts a news site embeds: /embed.js, /embed/count.js and the language files.

embed.js is one file for the browser to fetch: the server joins the plain source files in
static/widget/ inside one function scope and puts the stylesheet, the English strings and the
list of languages into it at first request (no build step).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, current_app, request

from discuss.web.embed import blueprint
from discuss.web.embed.i18n import DEFAULT, languages, strings

STATIC = Path(__file__).resolve().parent / "static"
JS_TYPE = "text/javascript"
MAX_AGE = 600
WIDGET_PARTS = ("core.js", "thread.js", "form.js", "start.js")


@dataclass(frozen=True)
class Asset:
    """A served file's bytes and the tag that changes with them."""

    body: bytes
    etag: str


def _asset(text: str) -> Asset:
    body = text.encode("utf-8")
    return Asset(body=body, etag=hashlib.sha256(body).hexdigest()[:20])


@lru_cache(maxsize=1)
def widget_script() -> Asset:
    """embed.js: the parts in one scope, with CSS, English strings and languages inlined."""
    parts = "".join((STATIC / "widget" / name).read_text("utf-8") for name in WIDGET_PARTS)
    source = f'(() => {{\n"use strict";\n{parts}}})();\n'
    css = (STATIC / "widget.css").read_text("utf-8")
    filled = (
        source.replace('"__CSS__"', json.dumps(css, ensure_ascii=False))
        .replace('"__STRINGS__"', json.dumps(strings(DEFAULT), ensure_ascii=False))
        .replace('"__LANGS__"', json.dumps(list(languages())))
    )
    return _asset(filled)


@lru_cache(maxsize=1)
def count_script() -> Asset:
    """count.js with the "N comments" wording of every language inlined."""
    words = {lang: strings(lang)["comments"] for lang in languages()}
    source = (STATIC / "count.js").read_text("utf-8")
    return _asset(source.replace('"__WORDS__"', json.dumps(words, ensure_ascii=False)))


def _fresh(build) -> Asset:
    """Cached in production; rebuilt on every request while developing with --debug."""
    return build.__wrapped__() if current_app.debug else build()


def _serve(asset: Asset, mimetype: str) -> Response:
    response = Response(asset.body, mimetype=mimetype)
    response.set_etag(asset.etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@blueprint.get("/embed.js")
def embed_js() -> Response:
    """The comment widget."""
    return _serve(_fresh(widget_script), JS_TYPE)


@blueprint.get("/embed/count.js")
def count_js() -> Response:
    """Fills comment counts on listing pages."""
    return _serve(_fresh(count_script), JS_TYPE)


@blueprint.get("/embed/i18n/<lang>.json")
def language_file(lang: str) -> Response:
    """One language's widget strings; public data, so any page may read it."""
    if lang not in languages():
        abort(404)
    response = _serve(_language_asset(lang), "application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@lru_cache(maxsize=16)
def _language_asset(lang: str) -> Asset:
    return _asset(json.dumps(strings(lang), ensure_ascii=False, separators=(",", ":")))
