"""Config with its signed form token, counts for many threads, preview, and the OpenAPI document."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer


def test_config_for_a_thread(client, make_site, post_comment):
    make_site(max_depth=3, edit_window_seconds=600, require_email=True, language="de")
    post_comment("c", author_email="a@example.org")
    config = client.get("/api/v1/config?site=news&thread=article-1").get_json()
    assert config["site"] == "news"
    assert config["thread"] == {"key": "article-1", "locked": False, "comment_count": 1}
    assert (config["max_depth"], config["edit_window_seconds"]) == (3, 600)
    assert config["require_email"] is True and config["language"] == "de"
    assert client.get("/api/v1/config?site=news&thread=fresh").get_json()["thread"][
        "comment_count"] == 0
    assert client.get("/api/v1/config?site=ghost&thread=x").status_code == 404
    assert client.get("/api/v1/config?site=news").status_code == 400


def test_form_token_is_signed_by_the_server(app, client, site):
    token = client.get("/api/v1/config?site=news&thread=a").get_json()["form_token"]
    assert URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="discuss.form-token").loads(
        token) == {"s": "news"}
    forged = URLSafeTimedSerializer("another-secret-entirely", salt="discuss.form-token")
    from discuss.tokens import form_token_age

    with app.app_context():
        assert form_token_age(token, "news", 60) is not None
        assert form_token_age(token, "other-site", 60) is None
        assert form_token_age(forged.dumps({"s": "news"}), "news", 60) is None


def test_counts_for_many_threads_in_one_query(client, app, site, post_comment, query_counter):
    for key, n in (("a", 2), ("b", 1)):
        for i in range(n):
            post_comment(f"{key}{i}", thread=key)
    keys = ["a", "b"] + [f"none-{i}" for i in range(98)]
    query = "&".join(f"thread={k}" for k in keys)
    with query_counter() as counter:
        response = client.get(f"/api/v1/counts?site=news&{query}")
    assert response.status_code == 200
    counts = response.get_json()["counts"]
    assert counts["a"] == 2 and counts["b"] == 1 and counts["none-5"] == 0
    assert len(counts) == 100
    assert counter.count == 1
    too_many = client.get(f"/api/v1/counts?site=news&{query}&thread=extra")
    assert too_many.status_code == 400 and "thread" in too_many.get_json()["errors"]
    assert client.get("/api/v1/counts?site=news").status_code == 400
    assert client.get("/api/v1/counts?site=ghost&thread=a").status_code == 404


def test_preview_renders_exactly_as_stored(client, site, post_comment):
    source = "Look: [link](https://example.org) and `code` <b>no</b>"
    preview = client.post("/api/v1/preview", json={"body": source})
    assert preview.status_code == 200
    stored = post_comment(source).get_json()["comment"]["html"]
    assert preview.get_json()["html"] == stored
    assert 'rel="nofollow ugc noopener"' in stored and "<b>" not in stored
    assert client.post("/api/v1/preview", json={"body": ""}).status_code == 422
    assert client.post("/api/v1/preview", json={}).status_code == 422


def test_openapi_documents_every_endpoint_from_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    expected = {
        ("/api/v1/config", "get"), ("/api/v1/comments", "get"), ("/api/v1/comments", "post"),
        ("/api/v1/comments/{comment_id}", "get"), ("/api/v1/comments/{comment_id}", "patch"),
        ("/api/v1/comments/{comment_id}", "delete"), ("/api/v1/comments/{comment_id}/vote", "post"),
        ("/api/v1/comments/{comment_id}/flag", "post"), ("/api/v1/counts", "get"),
        ("/api/v1/preview", "post"),
    }
    assert expected <= {(p, m) for p, ops in paths.items() for m in ops}
    schemas = spec["components"]["schemas"]
    assert {"CommentOut", "ListingOut", "CommentIn", "Problem"} <= set(schemas)
    assert set(schemas["CommentOut"]["properties"]) >= {"id", "html", "replies", "author"}
    post = paths["/api/v1/comments"]["post"]
    assert {"201", "202", "422"} <= set(post["responses"])
