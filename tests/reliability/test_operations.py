"""The operator's view: health, readiness, Prometheus metrics and JSON logs with request ids."""

from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_health_and_readiness_answer_json(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "ready"


def test_metrics_count_requests_by_route_and_status(client, site, post_comment):
    before = scrape(client)
    post_comment("Counted.")
    client.get("/api/v1/comments?site=news&thread=article-1")
    client.get("/api/v1/comments?site=nowhere&thread=x")
    client.get("/no/such/page")
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("discuss_http_requests_total", endpoint="/api/v1/comments", method="POST",
                 status="201") == 1
    assert delta("discuss_http_requests_total", endpoint="/api/v1/comments", method="GET",
                 status="200") == 1
    assert delta("discuss_http_requests_total", endpoint="/api/v1/comments", method="GET",
                 status="404") == 1
    # Unknown paths share one label value instead of one per path.
    assert delta("discuss_http_requests_total", endpoint="unmatched", method="GET",
                 status="404") == 1
    assert delta("discuss_http_request_duration_seconds_count", endpoint="/api/v1/comments",
                 method="GET") == 2
    assert delta("discuss_http_request_duration_seconds_bucket", endpoint="/api/v1/comments",
                 method="GET", le="+Inf") == 2
    assert delta("discuss_comments_total", outcome="approved") == 1


def test_held_comments_are_counted_by_outcome(client, make_site, post_comment):
    make_site("held", moderation="pre")
    before = scrape(client)
    assert post_comment("Wait for me.", site="held").status_code == 202
    after = scrape(client)
    pending = value(after, "discuss_comments_total", outcome="pending")
    assert pending - value(before, "discuss_comments_total", outcome="pending") == 1


def test_spam_check_verdicts_and_durations_are_counted(client, make_site, post_comment):
    make_site("checked", spam_checks=[{"name": "honeypot"}, {"name": "links"}])
    before = scrape(client)
    assert post_comment("Plain words.", site="checked").status_code == 201
    assert post_comment("Tasty.", site="checked", website="https://spam.example").status_code \
        == 202  # the honeypot was filled: filed as spam, answered like a held comment
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("discuss_spam_check_verdicts_total", check="honeypot", verdict="ham") == 1
    assert delta("discuss_spam_check_verdicts_total", check="honeypot", verdict="spam") == 1
    assert delta("discuss_spam_check_verdicts_total", check="links", verdict="ham") == 2
    assert delta("discuss_spam_check_duration_seconds_count", check="links") == 2
    assert delta("discuss_comments_total", outcome="spam") == 1


def test_metrics_token_guards_the_endpoint(make_app):
    client = make_app(metrics_token="scrape-me-please").test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scrape(client, Authorization="Bearer scrape-me-please")


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_request_id_is_echoed_and_tags_every_log_line(make_app, capfd):
    app = make_app(log_json=True)
    client = app.test_client()
    capfd.readouterr()
    response = client.get("/api/v1/comments?site=nowhere&thread=x",
                          headers={"X-Request-ID": "edge-42.abc"})
    assert response.headers["X-Request-ID"] == "edge-42.abc"
    entries = _json_lines(capfd.readouterr().err)
    access = [e for e in entries if e["logger"] == "discuss.access"]
    assert access, entries
    line = access[-1]
    assert line["request_id"] == "edge-42.abc"
    assert line["status"] == 404 and line["method"] == "GET"
    assert line["path"] == "/api/v1/comments" and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("Z")


def test_unsafe_request_ids_are_replaced(make_app, capfd):
    client = make_app(log_json=True).test_client()
    for hostile in ["a b", "x" * 300, "id;X-Evil=1", "<script>", "é"]:
        response = client.get("/healthz", headers={"X-Request-ID": hostile})
        echoed = response.headers["X-Request-ID"]
        assert echoed != hostile and len(echoed) == 32 and echoed.isalnum()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != generated


def test_errors_log_a_trace_with_the_request_id_but_answer_without_one(make_app, capfd):
    app = make_app(log_json=True)

    @app.get("/__boom")
    def boom():
        raise RuntimeError("kaboom")

    capfd.readouterr()
    response = app.test_client().get("/__boom", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 500
    assert b"kaboom" not in response.data and b"Traceback" not in response.data
    entries = _json_lines(capfd.readouterr().err)
    errors = [e for e in entries if e["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == "trace-me"
    assert "RuntimeError: kaboom" in errors[0]["exception"]
