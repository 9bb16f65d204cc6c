"""The extension objects, created unbound; ``create_app`` binds them with ``init_app``."""

import http
from typing import Any

from apispec import BasePlugin
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy

from discuss.models.base import Base
from discuss.schemas.problem import ProblemSchema

PROBLEM_JSON = "application/problem+json"


class ProblemResponses(BasePlugin):
    """Documents every error answer as ``application/problem+json`` with the Problem schema."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if not isinstance(response, dict) or not _is_error(status):
                    continue
                content = response.setdefault("content", {})
                if "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
                content.setdefault(PROBLEM_JSON,
                                   {"schema": {"$ref": "#/components/schemas/Problem"}})


def _is_error(status: Any) -> bool:
    return str(status) == "default" or (str(status).isdigit() and int(status) >= 400)


class DiscussApi(Api):
    """flask-smorest's Api, documenting our problem+json error body."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self) -> None:
        super().__init__(spec_kwargs={"extra_plugins": [ProblemResponses()]})

    def _register_responses(self) -> None:
        """The shared error responses, with the content type they are really sent with."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_JSON
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)
api = DiscussApi()
