def test_health_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_post_and_list(client, site, post_comment):
    response = post_comment("Hello **there**")
    assert response.status_code == 201, response.get_json()
    listing = client.get("/api/v1/comments?site=news&thread=article-1").get_json()
    assert [c["html"] for c in listing["comments"]] == ["<p>Hello <strong>there</strong></p>"]
