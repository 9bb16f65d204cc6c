"""The demo newspaper: an article with the widget, and a front page with counts."""

from __future__ import annotations

import re

from discuss.services.demo import DEMO_THREAD


def test_article_page_embeds_the_widget(client):
    response = client.get("/demo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>The night ferry returns to the harbour after eleven years</h1>" in html
    assert re.search(r'class="byline">By <strong>Ines Varga</strong>', html)
    assert "Leave a comment" in html
    assert f'<div id="discuss" data-site="demo" data-thread="{DEMO_THREAD}"' in html
    assert '<script src="/embed.js" async></script>' in html
    noscript = html[html.index("<noscript>"):html.index("</noscript>")]
    assert "/embed/thread?site=demo&amp;thread=2026/11/night-ferry-returns" in noscript


def test_front_page_lists_stories_with_count_spans(client):
    html = client.get("/demo/news").get_data(as_text=True)
    keys = re.findall(r'data-discuss-count="([^"]+)"', html)
    assert DEMO_THREAD in keys and len(set(keys)) == 5
    assert '<script src="/embed/count.js" data-site="demo" async></script>' in html


def test_other_stories_have_their_own_threads(client):
    html = client.get("/demo/news/market-hall-roof").get_data(as_text=True)
    assert 'data-thread="2026/11/market-hall-roof"' in html
    assert client.get("/demo/news/no-such-story").status_code == 404
