"""The one path from a reader's Markdown to HTML that is safe to show: the only bleach user.

Markdown is rendered with raw HTML switched off, then the result goes through bleach with
a small allowlist and linkify, so nothing but the tags below and http(s)/mailto links
can ever reach a page, whatever the Markdown renderer does.
"""

from __future__ import annotations

import re
from functools import lru_cache

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "s", "del", "a", "code", "pre", "blockquote", "ul", "ol", "li",
     "hr"}
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")
_LINK = re.compile(r"<a\s", re.IGNORECASE)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title", "rel"}
    if tag == "ol":
        return name == "start" and value.isdigit() and len(value) < 7
    if tag == "code":
        return name == "class" and bool(_LANGUAGE_CLASS.match(value))
    return False


def _set_rel(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"), "")
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme and scheme not in ALLOWED_PROTOCOLS:
        attrs.pop((None, "href"), None)
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["heading", "lheading", "image", "html_block", "html_inline"])
    md.enable("strikethrough")
    return md


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


@lru_cache(maxsize=1)
def _linker() -> Linker:
    return Linker(callbacks=[_set_rel], parse_email=True)


def render_markdown(source: str) -> str:
    """Turn a comment's Markdown into sanitised HTML, ready to store and serve as is."""
    html = _markdown().render(source.replace("\x00", "\ufffd"))
    return _linker().linkify(_cleaner().clean(html)).strip()


def count_links(html: str) -> int:
    """How many links a rendered body holds (the links check reads this)."""
    return len(_LINK.findall(html))
