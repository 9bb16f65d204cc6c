"""The demo newspaper: an article page with the widget, and a front page with counts."""

from __future__ import annotations

from flask import abort, render_template, url_for

from discuss.web.embed import blueprint
from discuss.web.embed.demo_content import ARTICLES, FERRY, PAPER, SITE, Article, article_by_slug


def _article_url(article: Article) -> str:
    if article is FERRY:
        return url_for("embed.demo_article")
    return url_for("embed.demo_other_article", slug=article.slug)


def _render_article(article: Article) -> str:
    others = [a for a in ARTICLES if a is not article][:3]
    return render_template("embed/demo_article.html", article=article, site=SITE, paper=PAPER,
                           others=others, article_url=_article_url)


@blueprint.get("/demo")
def demo_article() -> str:
    """A news article with the comment widget under it."""
    return _render_article(FERRY)


@blueprint.get("/demo/news/<slug>")
def demo_other_article(slug: str) -> str:
    """The other demo stories, each with its own thread."""
    article = article_by_slug(slug)
    if article is None:
        abort(404)
    return _render_article(article)


@blueprint.get("/demo/news")
def demo_front_page() -> str:
    """The paper's front page: every story with its comment count, filled by count.js."""
    return render_template("embed/demo_news.html", articles=ARTICLES, site=SITE, paper=PAPER,
                           article_url=_article_url)
