"""Public comment endpoints: list, create, read, edit, delete, vote, flag."""

from __future__ import annotations

from flask import Response

from discuss.schemas.comments import (
    CommentIn,
    CommentPatchIn,
    CreatedOut,
    FlagIn,
    ListingOut,
    ListQuery,
    OwnCommentOut,
    VoteIn,
    VotesOut,
)
from discuss.services import comments as comment_service
from discuss.services import listing, reactions
from discuss.services.cached_listing import read_listing
from discuss.web.api import blueprint as blp
from discuss.web.api.render import created_json, listing_json
from discuss.web.api.requests import bearer_token, client_info, if_none_match, reader_key
from discuss.web.cors import known_site_origins
from discuss.web.flood import flood_limited


@blp.route("/comments", methods=["GET"])
@blp.arguments(ListQuery(), location="query", error_status_code=400)
@blp.response(200, ListingOut)
@blp.alt_response(304, description="Not modified: a tag named in If-None-Match, weak or "
                                   "strong, is the current one (``*`` is not honoured).")
@blp.alt_response(404, description="Unknown site.")
def list_comments(args: dict):
    """One page of top-level comments, each with its whole reply tree."""
    page = read_listing(
        args["site"], args["thread"], listing_json, args["sort"], args["limit"], args["cursor"],
        known_tags=if_none_match(),
    )
    known_site_origins(page.site_origins)
    headers = {"ETag": f'"{page.tag}"', "Cache-Control": "no-cache"}
    if page.not_modified:  # a JSON resource, unchanged: its headers are a JSON answer's
        return Response(status=304, headers=headers, mimetype="application/json")
    # Already serialised as ListingOut (see render.py), often straight from the cache.
    return Response(page.body, status=200, headers=headers, mimetype="application/json")


@blp.route("/comments", methods=["POST"])
@flood_limited
@blp.arguments(CommentIn())
@blp.response(201, CreatedOut, description="Published.")
@blp.alt_response(202, schema=CreatedOut, description="Held for moderation.")
@blp.alt_response(403, description="Thread locked, site closed or author banned.")
@blp.alt_response(404, description="Unknown site or parent.")
@blp.alt_response(429, description="Too many comments from this client.")
def create_comment(args: dict):
    """Create a comment or reply."""
    result = comment_service.submit_comment(comment_service.NewComment(**args), client_info())
    status = result.public_status.value
    # Already serialised as CreatedOut (see render.py).
    body = created_json(listing.own_node(result.comment), result.edit_token, status)
    return Response(body, status=201 if status == "approved" else 202,
                    mimetype="application/json")


@blp.route("/comments/<int:comment_id>", methods=["GET"])
@blp.response(200, OwnCommentOut)
@blp.alt_response(404, description="No such public comment.")
def get_comment(comment_id: int):
    """One comment: approved, or any status with its edit token."""
    token = bearer_token()
    comment = comment_service.get_comment(comment_id, token)
    if not comment_service.holds_live_token(comment, token):  # none, or the window is over
        return listing.public_node(comment, comment.depth)
    return listing.own_node(comment)


@blp.route("/comments/<int:comment_id>", methods=["PATCH"])
@blp.arguments(CommentPatchIn)
@blp.response(200, OwnCommentOut)
@blp.alt_response(401, description="No edit token.")
@blp.alt_response(403, description="Wrong token, or the edit window has closed.")
def edit_comment(args: dict, comment_id: int):
    """The author edits body, name or website inside the edit window."""
    change = comment_service.CommentChange(**args)
    return listing.own_node(comment_service.edit_comment(comment_id, bearer_token(), change))


@blp.route("/comments/<int:comment_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(401, description="No edit token.")
@blp.alt_response(403, description="Wrong token, or the edit window has closed.")
def delete_comment(comment_id: int):
    """The author deletes inside the edit window."""
    comment_service.delete_comment(comment_id, bearer_token())


@blp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@blp.arguments(VoteIn)
@blp.response(200, VotesOut)
def vote(args: dict, comment_id: int):
    """Like (1), dislike (-1) or withdraw (0); one vote per reader."""
    likes, dislikes = reactions.cast_vote(comment_id, reader_key("vote"), args["value"])
    return {"likes": likes, "dislikes": dislikes}


@blp.route("/comments/<int:comment_id>/flag", methods=["POST"])
@blp.arguments(FlagIn)
@blp.response(202, description="Report received.")
def flag(args: dict, comment_id: int):
    """Report a comment to the moderators."""
    reactions.flag_comment(comment_id, reader_key("flag"), args["reason"], args.get("note"))

