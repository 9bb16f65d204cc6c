"""Imported HTML becomes our Markdown source; rendering it gives safe HTML readers can trust."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discuss.text import markdown_from_html, render_markdown, sanitize_html
from tests.test_text import assert_harmless


@pytest.mark.parametrize("html, markdown", [
    ("<p>Hello <b>world</b></p><p>Second</p>", "Hello **world**\n\nSecond"),
    ("<p>A <em> spaced </em> word</p>", "A *spaced* word"),
    ('<a href="https://x.example/a b(c)">link</a>', "[link](https://x.example/a%20b%28c%29)"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ('<a href="/relative">rel</a>', "rel"),
    ("<script>alert(1)</script><style>p{}</style>kept", "kept"),
    ("<iframe src=x><p>inside</p></iframe>after", "after"),
    ("1984. A year<br>- not a list<br># not a heading",
     "1984\\. A year\\\n\\- not a list\\\n\\# not a heading"),
    ("a*b* and [x](y) and &lt;b&gt; and snake_case",
     "a\\*b\\* and \\[x\\](y) and \\<b> and snake_case"),
    ("<ul><li>one<li>two<ol><li>nested</ol></ul>", "- one\n- two\n  1. nested"),
    ("<blockquote><p>quoted</p><p>two</p></blockquote>after", "> quoted\n>\n> two\n\nafter"),
    ("<pre><code class=\"language-py\">x = `1`\n</code></pre>", "```py\nx = `1`\n```"),
    ("<code>a &lt; b</code>", "`a < b`"),
    ("<p>one<br><br>two</p>", "one\n\ntwo"),
    ("<div>" * 200 + "deep" + "</div>" * 200, "deep"),
    ("<div>" * 100 + "<script>alert(1)</script>x" + "</div>" * 100, "x"),
])
def test_conversion(html, markdown):
    assert markdown_from_html(html) == markdown


def test_wordpress_newlines():
    text = "First line\nsecond line\n\nNew paragraph with <em>emphasis</em>"
    assert markdown_from_html(text, newlines_break=True) == (
        "First line\\\nsecond line\n\nNew paragraph with *emphasis*")


@pytest.mark.parametrize("html", [
    "<p>Hi <script>alert(1)</script></p>",
    "<img src=x onerror=alert(1)>",
    '<a href="java\nscript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<p style="color:red" onclick="x()">styled</p>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="https://ok.example" onmouseover="x()">ok</a>',
    "<table><tr><td>cell</td><td>two</td></tr></table>",
])
def test_rendered_imports_are_harmless(html):
    rendered = render_markdown(markdown_from_html(html))
    assert_harmless(rendered)
    assert "<script" not in rendered and "alert(1)</" not in rendered


def test_sanitising_again_keeps_our_html_and_strips_the_rest():
    ours = render_markdown("Some **bold** text and https://example.org\n\n> quote")
    assert sanitize_html(ours) == ours
    tampered = sanitize_html('<p onclick="x()">hi<script>alert(1)</script></p><img src=x>')
    assert_harmless(tampered)
    assert "<script" not in tampered


_PIECES = ["<p>", "</p>", "<a href='https://a.example/x'>", "<a href='javascript:x'>", "</a>",
           "<b>", "</b>", "<em>", "</em>", "<ul>", "<li>", "</ul>", "<ol start=3>", "<pre>",
           "</pre>", "<code>", "</code>", "<blockquote>", "</blockquote>", "<br>", "<script>",
           "</script>", "<img src=https://i.example/p.png alt=pic>", "<div>", "</div>", "\n",
           "\n\n", " ", "text", "*", "_", "`", "[", "]", "(", ")", "#", "-", "1.", ">", "&amp;",
           "&lt;", "~", "\\", "é", "東京"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), st.booleans())
def test_any_mix_of_tags_converts_to_harmless_html(html, newlines_break):
    rendered = render_markdown(markdown_from_html(html, newlines_break=newlines_break))
    assert_harmless(rendered)
    assert "javascript" not in rendered and "<script" not in rendered


_TEXT = ["text", "*", "**", "_", "__", "`", "``", "[", "]", "(", ")", "#", "-", "- ", "1.", "1)",
         ">", "&amp;", "&lt;", "&gt;", "~", "~~", "\\", "é", " ", "!", "&#", "&copy;", "+", "=",
         "a_b", "4. ", "https://x.example/a_b"]


def _visible(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TEXT), max_size=25).map("".join))
def test_escaping_keeps_the_visible_text(text):
    """Markdown's special characters in imported text show up as the text, never as markup."""
    rendered = render_markdown(markdown_from_html(text))
    assert _visible(rendered) == " ".join(unescape(text).split())
