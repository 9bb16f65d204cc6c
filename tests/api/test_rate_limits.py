"""Reads skip the rate limiter unless the operator sets a limit for every request."""

from __future__ import annotations

from discuss.web.rate_limits import limits_reads


def test_default_limit_applies_to_reads(make_app):
    app = make_app(rate_limit_default="3 per minute")
    client = app.test_client()
    answers = [client.get("/api/v1/counts?site=news&thread=a").status_code for _ in range(4)]
    assert 429 not in answers[:3] and answers[3] == 429
    refused = client.get("/api/v1/counts?site=news&thread=a")
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert int(refused.headers["Retry-After"]) > 0


def test_without_a_default_limit_reads_are_never_limited(app, client, site):
    answers = {client.get("/api/v1/counts?site=news&thread=a").status_code for _ in range(60)}
    assert answers == {200}
    assert not limits_reads(app)  # the limiter's hook is not even consulted for reads


def test_with_a_default_limit_every_request_passes_the_limiter(make_app):
    assert limits_reads(make_app(rate_limit_default="600 per minute"))


def test_writes_keep_their_limits_when_reads_skip_the_limiter(make_site, post_comment):
    make_site(spam_checks=[{"name": "flood", "options": {}}])
    answers = [post_comment(f"Comment number {n} on the article.").status_code
               for n in range(6)]
    assert answers == [201] * 5 + [429]  # DISCUSS_RATE_LIMIT_COMMENTS: 5 per minute


def test_a_post_passes_the_limiter_once(app, make_site, post_comment):
    """Without a default limit, nothing is checked before the view: the flood limit is the
    view's own, checked as the view is called, and still counts (6th post refused)."""
    from discuss.extensions import limiter

    manager = limiter.limit_manager
    checked: list[bool] = []
    original = manager.resolve_limits

    def counting(app, endpoint, blueprint, name, in_middleware, marked):
        checked.append(in_middleware)
        return original(app, endpoint, blueprint, name, in_middleware, marked)

    manager.resolve_limits = counting
    try:
        make_site(spam_checks=[{"name": "flood", "options": {}}])
        answers = [post_comment(f"Comment number {n} on the article.").status_code
                   for n in range(6)]
    finally:
        del manager.resolve_limits
    assert answers == [201] * 5 + [429]
    assert checked == [False] * 6  # once per post, by the view's own limit
