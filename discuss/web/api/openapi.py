"""The OpenAPI document says what the API really sends: errors as ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

from discuss.schemas.problem import ProblemSchema

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _is_problem(schema: Any) -> bool:
    if schema is ProblemSchema or isinstance(schema, ProblemSchema):
        return True
    return isinstance(schema, dict) and str(schema.get("$ref", "")).endswith("/Problem")


def _is_error(status: Any) -> bool:
    return str(status) == "default" or (str(status).isdigit() and int(status) >= 400)


class ProblemResponses(BasePlugin):
    """Moves error bodies to problem+json and gives body-less error responses the schema."""

    def response_helper(self, response: dict, **kwargs: Any) -> None:
        """Shared responses (UNPROCESSABLE_ENTITY, DEFAULT_ERROR, ...)."""
        content = response.get("content") or {}
        body = content.get("application/json")
        if body is not None and _is_problem(body.get("schema")):
            content[PROBLEM_JSON] = content.pop("application/json")

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        """Responses written on the views (``alt_response(404, ...)``)."""
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if not isinstance(response, dict) or not _is_error(status):
                    continue
                content = response.setdefault("content", {})
                if "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
                content.setdefault(PROBLEM_JSON, {"schema": dict(PROBLEM_REF)})
