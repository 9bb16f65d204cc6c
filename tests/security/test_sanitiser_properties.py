"""Property tests of the one path to HTML: whatever a reader types, only allowlisted HTML
comes out, and sanitising the output again changes nothing."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from bleach.linkifier import Linker
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from discuss.text import render_markdown, sanitize_html

# The contract, written out here rather than imported, so loosening text.py fails the tests.
ALLOWED_TAGS = {"p", "br", "em", "strong", "s", "del", "a", "code", "pre", "blockquote", "ul", "ol",
                "li", "hr"}
ALLOWED_SCHEMES = {"http", "https", "mailto", ""}  # "" is a relative link
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "code": {"class"}}

# Pieces that make Markdown and HTML parsers work hard: tags, entities, links, emphasis,
# code fences, list markers, schemes that must never become links.
FRAGMENTS = [
    "<", ">", "&", '"', "'", "`", "```", "*", "**", "_", "~~", "[", "]", "(", ")", "!", "\\",
    "\n", "\n\n", "    ", "> ", "- ", "1. ", "# ", "---", "|", ":", "/", "//", "@", "www.",
    "http://", "https://", "mailto:", "javascript:", "JaVaScRiPt:", "vbscript:", "data:",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "java\tscript:", "&#x6A;",
    "&#106;", "&colon;", "&lt;", "&amp;", "&#0;", "\x00", "\u202e", "\ufeff", "<script>",
    "</script>", "<img src=x onerror=alert(1)>", "<a href=", " onclick=", "<style>",
    "<svg/onload=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>", "<iframe", "<math>", "<p",
    "style=", "x", "example.org", "user@example.org", "alert(1)", " ", "é", "日本",
    "&#46;", "&#64;", "<pre>\n\n", "\n<pre>", ".org",
]

TAG_NAMES = sorted(ALLOWED_TAGS) + [
    "script", "style", "img", "svg", "iframe", "object", "embed", "form", "input", "math",
    "base", "link", "meta", "textarea", "template", "noscript", "xmp", "plaintext", "title",
    "video", "details", "marquee", "h1", "span", "div", "table", "button", "select",
]
ATTR_NAMES = ["href", "src", "onerror", "onclick", "style", "title", "rel", "class", "start",
              "srcdoc", "formaction"]
URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
        "java&#x09;script:alert(1)", "jav&#x0A;ascript:alert(1)", "&#106;avascript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "https://x.example/a",
        "http://x.example", "mailto:a@x.example", "//evil.example", "/relative", "x",
        "https://x.example/\"onmouseover=\"alert(1)", "javascript&colon;alert(1)"]
ATTR_VALUES = URLS + ["alert(1)", "color:red", "language-py", "language-<x>", "3", "-1", ""]


def _tag(name: str, attrs: list[tuple[str, str, str]], close: bool) -> str:
    rendered = "".join(f" {n}={q}{v}{q}" for n, v, q in attrs)
    return f"<{name}{rendered}>" + (f"x</{name}>" if close else "")


html_element = st.builds(
    _tag, st.sampled_from(TAG_NAMES),
    st.lists(st.tuples(st.sampled_from(ATTR_NAMES), st.sampled_from(ATTR_VALUES),
                       st.sampled_from(['"', "'", ""])), min_size=1, max_size=3),
    st.booleans(),
)
markdown_link = st.one_of(
    st.builds("[{}]({})".format, st.sampled_from(["a", "*b*", "<i>", "`c`"]),
              st.sampled_from(URLS)),
    st.builds("<{}>".format, st.sampled_from(URLS)),
    st.builds("[{}]({} \"{}\")".format, st.just("t"), st.sampled_from(URLS),
              st.sampled_from(['x" onclick="alert(1)', "t"])),
)
piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6), html_element, markdown_link)
markdownish = st.lists(piece, max_size=25).map("".join)
raw_html = st.lists(st.one_of(html_element, st.sampled_from(FRAGMENTS)), max_size=20).map("".join)


class Collector(HTMLParser):
    """Every tag and attribute in a fragment, as a browser-like tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.other.append(decl)

    def handle_pi(self, data):
        self.other.append(data)

    def unknown_decl(self, data):
        self.other.append(data)


def assert_only_allowlisted(html: str) -> None:
    parser = Collector()
    parser.feed(html)
    parser.close()
    assert not parser.comments and not parser.other, html
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), (tag, name, html)
            if name == "href":
                scheme = urlsplit((value or "").strip()).scheme.lower()
                assert scheme in ALLOWED_SCHEMES, (value, html)
            if tag == "a" and name == "rel":
                assert "nofollow" in (value or "") and "noopener" in (value or ""), html
        if tag == "a":  # every link is marked, whether typed or found by linkify
            assert "rel" in dict(attrs), html


@settings(max_examples=600, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
@example("[x](javascript:alert(1))")
@example("<script>alert(1)</script>")
@example("[a](<javascript:alert(1)>) www.example.org/<script>")
@example("```\n</code><script>alert(1)</script>\n```")
@example("<http://a.example/\"onmouseover=alert(1)>")
def test_output_is_only_allowlisted_html(source):
    assert_only_allowlisted(render_markdown(source))


@settings(max_examples=600, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
@example("www.example.org and user@example.org")
@example("[link](http://example.org \"title\")")
def test_sanitising_the_output_again_changes_nothing(source):
    html = render_markdown(source)
    assert sanitize_html(html) == html


@settings(max_examples=600, derandomize=True, deadline=None, database=None)
@given(raw_html)
@example('<code class="language-py" onclick="alert(1)">x</code><ol start=3 onclick=x>')
@example('<a href="https://x.example" rel=x target=_blank style="color:red">x</a>')
@example("<pre>\n\nx</pre>")
def test_sanitiser_on_raw_html_keeps_only_allowlisted(raw):
    cleaned = sanitize_html(raw)
    assert_only_allowlisted(cleaned)
    assert sanitize_html(cleaned) == cleaned


def _linkify_with_no_callbacks(html: str) -> str:
    return Linker(callbacks=[], parse_email=True).linkify(html).strip()


@settings(max_examples=600, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(markdownish, raw_html))
@example("see example.org")
@example("write to user@example.org")
@example("x&#46;org and &lt;b&gt; www.example.org")
@example("`example.org` in code")
@example("<p>&#46;example.com and &#64;x</p>")
@example('<p>"a"@example.com</p>')
@example("<pre>\n\nx</pre>")
def test_no_address_is_left_unlinked(source):
    """Linkify is skipped for HTML with nothing to link: whatever comes out without a link
    is exactly what linkify, run again, leaves alone (no address it would have linked)."""
    for html in (render_markdown(source), sanitize_html(source)):
        if "<a" not in html:
            assert _linkify_with_no_callbacks(html) == html, (source, html)
