"""Schemathesis fuzzes every operation of the served OpenAPI document through the WSGI app.

Checks: no 5xx, status codes, content types and bodies as documented, and every error is
problem+json. Half of the generated cases are steered at live data (a real site, thread,
comment id and form token) so the deeper code paths run too, not only validation.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from discuss import create_app
from discuss.extensions import db
from discuss.services import accounts
from discuss.services.sites import create_site

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def _served_schema() -> Any:
    """The document as the app serves it (it does not depend on the data, only on the code)."""
    spec_app = create_app({"database_url": "sqlite://", "secret_key": "s" * 32,
                           "instance_path": tempfile.mkdtemp(prefix="discuss-spec-")})
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", spec_app)
    loaded.config.generation.update(modes=["positive", "negative"])
    # A body over the request size limit is refused with 413 before validation: a rejection too.
    loaded.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
    )
    return loaded


schema = _served_schema()


def _seed(app: Any) -> Any:
    """A site and a thread with a reply, so steered cases reach real rows, and an API key
    for every site so the moderation operations get past authentication."""
    client = app.test_client()
    with app.app_context():
        create_site("news", ("https://news.example",), "post", spam_checks=[])
        app.config["FUZZ_KEY"] = accounts.create_api_key(None)[1]
    parent_id = None
    for body in ("First *comment* with a [link](https://example.org)", "A reply"):
        token = client.get("/api/v1/config?site=news&thread=article-1").get_json()["form_token"]
        answer = client.post("/api/v1/comments", json={
            "site": "news", "thread": "article-1", "body": body, "form_token": token,
            "author_name": "Reader", "parent_id": parent_id})
        assert answer.status_code == 201, answer.get_json()
        parent_id = parent_id or answer.get_json()["comment"]["id"]
    return app


@pytest.fixture
def seeded(app):
    return _seed(app)


def _steer(case: Any, client: Any, paths: bool = True) -> None:
    """Point every other valid case at real data, chosen by a stable hash of the case."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    digest = hashlib.sha256(repr((case.path_parameters, case.query, case.body)).encode()).digest()
    if digest[0] % 2:
        return
    if isinstance(case.query, dict) and "site" in case.query:
        case.query["site"] = "news"
        if "thread" in case.query and digest[1] % 2:
            case.query["thread"] = "article-1"
    if isinstance(case.body, dict) and "site" in case.body:
        case.body["site"] = "news"
        case.body["form_token"] = client.get(
            "/api/v1/config?site=news&thread=article-1").get_json()["form_token"]
    if not paths:  # in a workflow the ids come from earlier answers
        return
    if case.path_parameters and "comment_id" in case.path_parameters:
        case.path_parameters["comment_id"] = 1 + digest[2] % 3
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = "news"


def _problem_json(response: Any, case: Any) -> None:
    """Every error answer is application/problem+json with the documented keys."""
    if response.status_code < 400:
        return
    content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"),
                        "")
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), (
        f"{case.method} {case.formatted_path} answered {response.status_code} "
        f"with {content_type!r}"
    )
    body = json.loads(response.content)
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == response.status_code
    if "errors" in body:
        assert all(isinstance(v, list) for v in body["errors"].values()), body


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case, seeded):
    _steer(case, seeded.test_client())
    headers = {}
    if case.path.startswith("/api/v1/moderation"):
        headers["Authorization"] = f"Bearer {seeded.config['FUZZ_KEY']}"
    response = case.call(app=seeded, headers=headers)
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance, negative_data_rejection],
    )
    _problem_json(response, case)


class Workflows(schema.as_state_machine()):
    """Sequences of calls (POST a comment, then read, edit, vote on, flag, moderate or delete
    it), steered at the live site: valid follow-ups act on the comment the scenario created
    last, with its edit token, as its author would."""

    new_app: Any = None

    def setup(self) -> None:
        # Every example starts from the same rows, ids, limits and cache: the generator
        # remembers which draws led where, and a database that moved on would mislead it.
        self.app = _seed(self.new_app())
        self.client = self.app.test_client()
        self.edit_tokens: dict[int, str] = {}

    def teardown(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def before_call(self, case: Any) -> None:
        _steer(case, self.client, paths=False)
        positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
        if positive and case.method == "POST" and case.path == "/api/v1/comments":
            case.body.update(site="news", thread="article-1", form_token=self.client.get(
                "/api/v1/config?site=news&thread=article-1").get_json()["form_token"])
            case.body.pop("parent_id", None)
        if "comment_id" in (case.path_parameters or {}) and self.edit_tokens and positive:
            # follow up on the comment this scenario created last, as its author would
            case.path_parameters["comment_id"] = next(reversed(self.edit_tokens))
        headers = dict(case.headers or {})
        if case.path.startswith("/api/v1/moderation"):
            headers["Authorization"] = f"Bearer {self.app.config['FUZZ_KEY']}"
        elif (case.path_parameters or {}).get("comment_id") in self.edit_tokens:
            token = self.edit_tokens[case.path_parameters["comment_id"]]
            headers["Authorization"] = f"Bearer {token}"
        case.headers = headers

    def call(self, case: Any, **kwargs: Any) -> Any:
        return case.call(app=self.app, **kwargs)

    def after_call(self, response: Any, case: Any) -> None:
        created_one = case.method == "POST" and case.path == "/api/v1/comments"
        if created_one and response.status_code in (201, 202):
            created = json.loads(response.content)
            self.edit_tokens[created["comment"]["id"]] = created["edit_token"]

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                          **kwargs: Any) -> None:
        case.validate_response(response, checks=[
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance])
        _problem_json(response, case)


def test_api_workflows(fresh_app):
    Workflows.new_app = staticmethod(fresh_app)
    Workflows.run(settings=settings(max_examples=15, stateful_step_count=6, derandomize=True,
                                    deadline=None, database=None,
                                    suppress_health_check=list(HealthCheck)))
