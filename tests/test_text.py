"""The rendering path: a safe Markdown subset, and hostile input that must come out harmless."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from discuss.text import ALLOWED_TAGS, count_links, render_markdown

REL = 'rel="nofollow ugc noopener"'


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def assert_harmless(html: str) -> None:
    """Only allowlisted tags; no event handlers or styles; links only http(s)/mailto."""
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in {"href", "rel", "title", "class", "start"}, (name, html)
            if name == "href":
                assert re.match(r"^(https?:|mailto:)", value or "", re.I), (value, html)
            if name == "class":
                assert re.fullmatch(r"language-[A-Za-z0-9_+-]+", value or ""), html
        if tag == "a":
            assert attrs.get("rel") == "nofollow ugc noopener", html


# Our own hostile inputs: each must render to nothing that runs, styles or navigates unsafely.
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](java\u0000script:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](file:///etc/passwd)",
    "[x](http://ok.example \"title\" onclick=\"alert(1)\")",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "![img](javascript:alert(1))",
    "![img](http://evil.example/pixel.png)",
    '![x](x" onerror="alert(1))',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<iframe src=//evil.example></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<a href='http://x' <b>unclosed",
    "<b><i>never closed",
    "<<script>>alert(1)<</script>>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <script>alert(1)</script>",
    "* [x](javascript:alert(1))\n* <img src=x onerror=alert(1)>",
    "<a href=\"http://ok.example\" target=\"_blank\" onclick=\"alert(1)\">ok</a>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>",
    "http://ok.example/?q=<script>alert(1)</script>",
    "[x](https://ok.example/\"><script>alert(1)</script>)",
    "<x-custom onclick=alert(1)>tag</x-custom>",
    "\u202e<script>alert(1)</script>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_harmless(source):
    html = render_markdown(source)
    assert_harmless(html)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
    assert "<style" not in lowered and "<iframe" not in lowered


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plain", "<p>plain</p>"),
        ("*em* **strong** ~~gone~~", "<p><em>em</em> <strong>strong</strong> <s>gone</s></p>"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("```py\nif a < b:\n```", '<pre><code class="language-py">if a &lt; b:\n</code></pre>'),
        ("# not a heading", "<p># not a heading</p>"),
        ("a & b", "<p>a &amp; b</p>"),
        # what a reader types in code is shown as typed, entities included
        ("`&amp; and &#x3c;`", "<p><code>&amp;amp; and &amp;#x3c;</code></p>"),
        ("&amp; outside code is an ampersand", "<p>&amp; outside code is an ampersand</p>"),
    ],
)
def test_the_markdown_subset(source, expected):
    assert render_markdown(source) == expected


def test_links_get_rel_and_keep_safe_schemes():
    html = render_markdown("[site](https://example.org/a?b=1) and mail@example.org and "
                           "http://bare.org/path")
    links = [attrs for tag, attrs in _tags(html) if tag == "a"]
    assert [a["href"] for a in links] == ["https://example.org/a?b=1", "mailto:mail@example.org",
                                          "http://bare.org/path"]
    assert all(a["rel"] == "nofollow ugc noopener" for a in links)
    assert count_links(html) == 3


def test_unsafe_link_keeps_text_but_loses_href():
    html = render_markdown("[y](javascript:alert(2)) [z](https://ok.org)")
    links = [attrs for tag, attrs in _tags(html) if tag == "a"]
    assert [a.get("href") for a in links] == ["https://ok.org"]
    assert "y" in html
    assert_harmless(html)
