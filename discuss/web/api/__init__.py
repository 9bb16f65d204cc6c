"""The versioned JSON API under /api/v1."""

from discuss.web.api.parsing import ApiBlueprint

blueprint = ApiBlueprint(
    "api", __name__, url_prefix="/api/v1", description="Public comment API"
)

from discuss.web.api import comments, meta  # noqa: E402,F401  (routes attach to the blueprint)
