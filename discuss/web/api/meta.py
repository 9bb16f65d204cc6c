"""Public helpers of the widget: config, counts and preview."""

from __future__ import annotations

from flask import Response

from discuss.schemas.comments import (
    ConfigOut,
    CountsOut,
    CountsQuery,
    PreviewIn,
    PreviewOut,
    ThreadQuery,
)
from discuss.services import comments as comment_service
from discuss.services.counts import count_comments
from discuss.services.widget import widget_config
from discuss.web.api import blueprint as blp
from discuss.web.api.render import counts_json
from discuss.web.cors import known_site_origins


@blp.route("/config", methods=["GET"])
@blp.arguments(ThreadQuery, location="query", error_status_code=400)
@blp.response(200, ConfigOut)
@blp.alt_response(404, description="Unknown site.")
def config(args: dict):
    """Widget settings for a thread, with a signed form token."""
    return widget_config(args["site"], args["thread"]), 200, {"Cache-Control": "no-store"}


@blp.route("/counts", methods=["GET"])
@blp.arguments(CountsQuery(), location="query", error_status_code=400)
@blp.response(200, CountsOut)
@blp.alt_response(404, description="Unknown site.")
def counts(args: dict):
    """Approved comments per thread, for up to 100 keys in one request."""
    found = count_comments(args["site"], args["thread"])
    known_site_origins(found.site_origins)
    # Serialised as CountsOut (render.py), as the readers' fast path answers it too.
    return Response(counts_json(found.counts), mimetype="application/json")


@blp.route("/preview", methods=["POST"])
@blp.arguments(PreviewIn)
@blp.response(200, PreviewOut)
def preview(args: dict):
    """Render Markdown exactly as it would be stored."""
    return {"html": comment_service.preview_body(args["body"])}
