"""The versioned JSON API under /api/v1."""

import flask_smorest

from discuss.web.api.parsing import MemoParser


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint; query strings are parsed once each (see parsing.py)."""

    ARGUMENTS_PARSER = MemoParser()


blueprint = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Public comment API"
)

from discuss.web.api import comments, meta  # noqa: E402,F401  (routes attach to the blueprint)
