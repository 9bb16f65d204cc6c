"""The one path from a reader's Markdown to HTML that is safe to show: the only bleach user.

Markdown is rendered with raw HTML switched off, then the result goes through bleach with
a small allowlist and linkify, so nothing but the tags below and http(s)/mailto links
can ever reach a page, whatever the Markdown renderer does. Cleaning and linkify are two
passes on purpose: bleach's ``LinkifyFilter`` inside the cleaning pass would save a parse,
but it unescapes entities once too often (``&amp;amp;`` typed in code comes out as ``&amp;``).
The second pass runs only when it has something to do: most comments hold neither a link
nor anything that looks like an address, and for them it would reproduce its input.

Most comments are plain prose: paragraphs of words and ordinary punctuation, in which no
character means anything to Markdown or HTML. For those, both passes would hand back each
paragraph as it was typed, wrapped in ``<p>``; that HTML is written directly, and only the
linkify pass, which looks for bare addresses, runs on it. A test holds the shortcut to the
full path's output over many generated bodies.
"""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

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
# Plain prose: letters, digits and punctuation that neither Markdown nor HTML gives a meaning
# to inside a line; each line starts with a letter or a numeral that is no decimal digit,
# such as ½ (no list, quote, rule or code block can open: list markers are ASCII digits),
# and has no space at either end (no hard break, no indented code).
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:?!'()/%-])*(?<! )")


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


# bleach's Cleaner and Linker keep parser state between calls and are not thread-safe
# (gunicorn's threaded workers render at the same time): each thread gets its own set.
_local = threading.local()


def _markdown() -> MarkdownIt:
    md = getattr(_local, "markdown", None)
    if md is not None:
        return md
    md = _local.markdown = MarkdownIt("commonmark",
                                      {"html": False, "linkify": False, "typographer": False})
    md.disable(["heading", "lheading", "image", "html_block", "html_inline"])
    md.enable("strikethrough")
    return md


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allowed_attribute,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
        )
    return cleaner


def _linker() -> Linker:
    linker = getattr(_local, "linker", None)
    if linker is None:
        linker = _local.linker = Linker(callbacks=[_set_rel], parse_email=True)
    return linker


def _may_link(cleaned: str) -> bool:
    """Whether linkify could change cleaned HTML: when it holds a link (the callbacks mark
    each), an "@" (perhaps an email address), a ``<pre>`` opening on an empty line (a second
    parse drops that newline, as the first did) or a match of linkify's own URL pattern.
    The pattern is searched in the HTML as it is: linkify searches the text between tags,
    entities left as written, and a tag next to the text bounds a match as the edge of the
    text does."""
    if "<a" in cleaned or "@" in cleaned or "<pre>\n" in cleaned:
        return True
    return _linker().url_re.search(cleaned) is not None


def _linkified(cleaned: str) -> str:
    return (_linker().linkify(cleaned) if _may_link(cleaned) else cleaned).strip()


def sanitize_html(html: str) -> str:
    """Reduce HTML to the allowlist and turn bare URLs into safe links."""
    return _linkified(_cleaner().clean(html.replace("\x00", "\ufffd")))


def _plain_prose_html(source: str) -> str | None:
    """The cleaned HTML of a body of plain prose, or None if it is anything else."""
    paragraphs: list[list[str]] = [[]]
    for line in source.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
        elif _PLAIN_LINE.fullmatch(line):
            paragraphs[-1].append(line)
        else:
            return None
    return "\n".join("<p>" + "\n".join(lines) + "</p>" for lines in paragraphs if lines)


def _render_in_full(source: str) -> str:
    """Markdown, then bleach: the path every body could take (the tests compare with it)."""
    return sanitize_html(_markdown().render(source.replace("\x00", "\ufffd")))


def render_markdown(source: str) -> str:
    """Turn a comment's Markdown into sanitised HTML, ready to store and serve as is."""
    plain = _plain_prose_html(source)
    return _render_in_full(source) if plain is None else _linkified(plain)


def count_links(html: str) -> int:
    """How many links a rendered body holds (the links check reads this)."""
    return len(_LINK.findall(html))


# --- Imported HTML (Disqus, WordPress) -> our Markdown source -------------------------------
# Other systems store comments as HTML. We turn that HTML into Markdown in the same safe
# subset readers write, then render it with ``render_markdown`` like any comment: one path to
# HTML, and the stored source stays editable. Scripts and the like are dropped with their
# content; links keep only http(s)/mailto targets; every other tag keeps just its text.

_DROP = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript",
                   "svg", "math", "head", "title", "textarea", "select", "button"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr",
                   "source", "track", "param", "embed"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "aside", "nav",
                     "main", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6",
                     "table", "thead", "tbody", "tfoot", "tr", "dl", "dt", "dd", "address",
                     "details", "summary", "center", "caption", "blockquote", "ul", "ol", "li",
                     "pre", "hr", "form", "fieldset"})
_EMPHASIS = {"em": "*", "i": "*", "cite": "*", "dfn": "*", "var": "*", "strong": "**",
             "b": "**", "s": "~~", "del": "~~", "strike": "~~"}
_CODE = frozenset({"code", "kbd", "samp", "tt"})
_MAX_NESTING = 64
_BREAK = "\x01"  # a hard line break while a paragraph is being assembled
_ESCAPE = re.compile(r"([\\`*\[\]<~])|&(?=#?\w+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(?:([#>+=-])|(\d{1,9})[.)])")


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []


class _TreeBuilder(HTMLParser):
    """A forgiving HTML reader: unclosed tags close at their parent's end, depth is capped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("li", "p") or tag in _BLOCKS and self.stack[-1].tag == "p":
            self._close_open(tag if tag == "li" else "p")
        node = _Node(tag, {k: v or "" for k, v in attrs})
        if tag in _VOID:
            if not self.dropping:
                self.stack[-1].children.append(node)
            return
        if tag in _DROP:  # tracked at any depth, so its content is never kept
            self.dropping += 1
        elif len(self.stack) > _MAX_NESTING:
            return
        elif not self.dropping:
            self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                for node in self.stack[index:]:
                    if node.tag in _DROP:
                        self.dropping -= 1
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.stack[-1].children.append(data.replace(_BREAK, " ").replace("\x00", "\ufffd"))

    def _close_open(self, tag: str) -> None:
        """A new <li> or <p> ends the open one, as browsers do (up to the enclosing list)."""
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current == tag:
                self.handle_endtag(tag)
                return
            if current in ("ul", "ol", "blockquote", "div", "li", "td", "th"):
                return


def _escape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" + m.group(0), text)


def _safe_href(href: str | None) -> str | None:
    href = (href or "").strip()
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if scheme not in ALLOWED_PROTOCOLS or any(ord(c) < 32 for c in href):
        return None
    for raw, quoted in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        href = href.replace(raw, quoted)
    return href


def _raw_text(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_raw_text(child) for child in node.children)


def _wrap(inner: str, mark: str) -> str:
    core = inner.strip(" " + _BREAK)
    if not core:
        return inner
    start = inner.index(core[0])
    return f"{inner[:start]}{mark}{core}{mark}{inner[start + len(core):]}"


def _paragraphs(raw: str) -> list[str]:
    """Tidy assembled inline text; blank lines (double breaks) split it into paragraphs."""
    raw = re.sub(r" {2,}", " ", re.sub(f" *{_BREAK} *", _BREAK, raw))
    lines = [line.strip() for line in raw.split(_BREAK)]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            match = _LINE_START.match(line)
            if match and match.group(1):
                line = "\\" + line
            elif match:
                line = match.group(2) + "\\" + line[len(match.group(2)):]
            current.append(line)
        elif current:
            paragraphs.append("\\\n".join(current))
            current = []
    return paragraphs


def _join_item(blocks: list[str]) -> str:
    """A list item's blocks; a nested list follows its text tightly (text never starts so)."""
    joined = ""
    for block in blocks:
        tight = joined and re.match(r"(?:[-] |\d{1,9}\. )", block)
        joined += ("\n" if tight else "\n\n" if joined else "") + block
    return joined


class _MarkdownWriter:
    def __init__(self, newlines_break: bool) -> None:
        self.newlines_break = newlines_break

    def text(self, text: str) -> str:
        if self.newlines_break:
            text = re.sub(r"[ \t\r\f\v]+", " ", text).replace("\n", _BREAK)
        else:
            text = re.sub(r"\s+", " ", text)
        return _escape(text)

    def blocks(self, node: _Node) -> list[str]:
        out: list[str] = []
        inline: list[str] = []

        def flush() -> None:
            out.extend(_paragraphs("".join(inline)))
            inline.clear()

        for child in node.children:
            if isinstance(child, str):
                parts = re.split(r"\n[ \t]*\n", child) if self.newlines_break else [child]
                for index, part in enumerate(parts):
                    if index:
                        flush()
                    inline.append(self.text(part))
            elif child.tag in _BLOCKS:
                flush()
                out.extend(self.block(child))
            else:
                inline.append(self.inline(child))
        flush()
        return out

    def block(self, node: _Node) -> list[str]:
        if node.tag == "pre":
            return self.fenced(node)
        if node.tag == "hr":
            return ["---"]
        if node.tag in ("ul", "ol"):
            return self.listing(node)
        inner = self.blocks(node)
        if node.tag == "blockquote" and inner:
            lines = "\n\n".join(inner).split("\n")
            return ["\n".join(f"> {line}".rstrip() for line in lines)]
        return inner

    def fenced(self, node: _Node) -> list[str]:
        text = _raw_text(node).strip("\n").rstrip()
        if not text:
            return []
        runs = [len(run) for run in re.findall(r"`+", text)]
        fence = "`" * max(3, max(runs, default=0) + 1)
        language = ""
        for child in node.children:
            if isinstance(child, _Node) and child.tag == "code":
                for name in child.attrs.get("class", "").split():
                    if _LANGUAGE_CLASS.match(name):
                        language = name.removeprefix("language-")
        return [f"{fence}{language}\n{text}\n{fence}"]

    def listing(self, node: _Node) -> list[str]:
        start = node.attrs.get("start", "1")
        number = int(start) if start.isdigit() and len(start) < 7 else 1
        items: list[str] = []
        for child in node.children:
            if isinstance(child, str):
                if not child.strip():
                    continue
                body = "\n\n".join(_paragraphs(self.text(child)))
            elif child.tag == "li":
                body = _join_item(self.blocks(child))
            elif child.tag in _BLOCKS:
                body = "\n\n".join(self.block(child))
            else:
                body = "\n\n".join(_paragraphs(self.inline(child)))
            marker = f"{number}." if node.tag == "ol" else "-"
            number += 1
            pad = " " * (len(marker) + 1)
            first, *rest = body.split("\n")
            items.append(f"{marker} {first}".rstrip()
                         + "".join("\n" + (pad + line if line else "") for line in rest))
        loose = any("\n\n" in item for item in items)
        return ["\n\n".join(items) if loose else "\n".join(items)] if items else []

    def inline(self, node: _Node, in_link: bool = False) -> str:
        tag = node.tag
        if tag == "br":
            return _BREAK
        if tag == "img":
            alt = self.text(node.attrs.get("alt", "")).strip()
            href = _safe_href(node.attrs.get("src"))
            if href and not in_link:
                return f"[{alt or 'image'}]({href})"
            return alt
        if tag in _CODE:
            return self.code(_raw_text(node))
        inner = "".join(
            self.text(child) if isinstance(child, str)
            else f" {self.inline(child, in_link or tag == 'a')} " if child.tag in _BLOCKS
            else self.inline(child, in_link or tag == "a")
            for child in node.children
        )
        if tag in _EMPHASIS:
            return _wrap(inner, _EMPHASIS[tag])
        if tag == "a" and not in_link:
            href = _safe_href(node.attrs.get("href"))
            text = inner.strip(" " + _BREAK)
            if href and text:
                return f"[{text}]({href})"
        return inner

    def code(self, text: str) -> str:
        text = re.sub(r"\s+", " ", text)
        if not text.strip():
            return self.text(text)
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        if longest >= 2:
            return self.text(text)  # a long fence could open a code block; plain text is safe
        fence = "`" * (longest + 1)
        pad = " " if text[0] in " `" or text[-1] in " `" else ""
        return f"{fence}{pad}{text}{pad}{fence}"


def markdown_from_html(html: str, *, newlines_break: bool = False) -> str:
    """Turn another system's comment HTML into our Markdown source (render it to store it).

    ``newlines_break`` reads line breaks the WordPress way: a blank line starts a paragraph,
    a single newline is a line break.
    """
    builder = _TreeBuilder()
    builder.feed(html.replace("\r\n", "\n"))
    builder.close()
    return "\n\n".join(_MarkdownWriter(newlines_break).blocks(builder.root)).strip()
