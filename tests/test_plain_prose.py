"""Plain prose skips Markdown and bleach: the shortcut must give exactly what they give."""

from __future__ import annotations

import random

import pytest

from discuss.text import _plain_prose_html, _render_in_full, render_markdown

PROSE = [
    "Thanks for the article.",
    "Posted during the benchmark, number 12-345. The figures in paragraph four deserve a "
    "closer look before anyone draws conclusions.",
    "I disagree (strongly): the council's budget is 40% larger than last year's!\n"
    "Where did it go?\n\nAsk them at the meeting; it is open to everyone.",
    "Très bien écrit, merci. Ça change des autres journaux.",
    "Это хорошая статья, спасибо.",
    "See example.com for the report",  # a bare address: linkify still runs on it
]

# Pieces that mean something to Markdown, to HTML or to linkify, mixed with words, so that
# the generated bodies probe every edge the shortcut must decline or get right.
PIECES = ["word", "Other", "é", "Ω", "42", "3.", "1)", " ", "  ", "   ", "    ", "\t", "\n",
          "\n\n", "\r\n", ".", ",", ";", ":", "?", "!", "'", '"', "(", ")", "/", "%", "-",
          "--", "---", "*", "**", "_", "__", "`", "~~", "[", "]", "<", ">", "&", "&amp;",
          "#", "+", "=", "|", "\\", "http://x.org", "www.example.com", "a@b.co", "\x00",
          "\u00a0", "\u2028", "<b>", "<script>", "1.", "> ", "- ", "+ ", "# ", "===", "\ufffd"]


@pytest.mark.parametrize("source", PROSE)
def test_prose_takes_the_shortcut_and_matches_the_full_path(source):
    assert _plain_prose_html(source) is not None
    assert render_markdown(source) == _render_in_full(source)


@pytest.mark.parametrize("source", ["1. a list", "- a list", "> quoted", "    code",
                                    "Line with a break  \nnext", "A *stressed* word",
                                    "Tom & Jerry", "a <b>tag</b>", "snake_case", "x\r\ny",
                                    " leading space", "2 cats"])
def test_anything_else_takes_the_full_path(source):
    assert _plain_prose_html(source) is None


@pytest.mark.parametrize(("pieces", "least"), [(PIECES, 40), (PIECES[:20], 400)],
                         ids=["every-piece", "mostly-prose"])
def test_generated_bodies_render_as_the_full_path_renders_them(pieces, least):
    chooser = random.Random(20261206)
    shortcut = 0
    for _ in range(4000):
        source = "".join(chooser.choices(pieces, k=chooser.randint(1, 14))).strip()
        if not source:
            continue
        shortcut += _plain_prose_html(source) is not None
        assert render_markdown(source) == _render_in_full(source), repr(source)
    assert shortcut >= least  # enough of them took the shortcut to have been compared
