"""The moderation API: queue, decisions, site settings, thread locks, bans and the audit log.

Every view asks ``api_actor()`` who is calling (API key, or session plus CSRF token) and
hands the actor to one service, which decides whether that actor may act on that site.
"""

from __future__ import annotations

from flask_smorest import Api, Blueprint
from flask_wtf.csrf import generate_csrf

from discuss.errors import DomainError
from discuss.schemas.moderation import (
    ActionIn,
    AuditOut,
    AuditQuery,
    BanIn,
    BanOut,
    BanQuery,
    BansOut,
    BulkIn,
    BulkOut,
    MeOut,
    ModeratedCommentOut,
    QueueOut,
    QueueQuery,
    SiteSettingsOut,
    SiteSettingsPatch,
    ThreadLockIn,
    ThreadLockOut,
)
from discuss.services import audit, bans, moderation, queue, site_settings
from discuss.services.accounts import visible_sites
from discuss.web.auth import api_actor
from discuss.web.errors import DOMAIN_STATUS

blueprint = Blueprint(
    "moderation", __name__, url_prefix="/api/v1/moderation",
    description="Moderation: an API key (Authorization: Bearer) or a signed-in session "
                "sending its CSRF token in X-CSRFToken. A key or moderator of one site "
                "gets 403 on another; no credentials, 401.",
)
blp = blueprint
_REFUSALS = {401: "No or invalid credentials.", 403: "Not allowed on this site."}


SECURITY = [{"apiKey": []}, {"session": []}]


def _refusals(view):
    for status, description in _REFUSALS.items():
        view = blp.alt_response(status, description=description)(view)
    return blp.doc(security=SECURITY)(view)


def document_security(api: Api) -> None:
    """Name the two ways in, in the OpenAPI document."""
    api.spec.components.security_scheme(
        "apiKey", {"type": "http", "scheme": "bearer",
                   "description": "An API key from `discuss keys create`."})
    api.spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                    "description": "A signed-in admin session plus its CSRF token."})


@blp.route("/me", methods=["GET"])
@blp.response(200, MeOut)
@_refusals
def me():
    """Who the credentials belong to; a session also gets its CSRF token here."""
    actor = api_actor()
    sites = None if actor.all_sites else [s.slug for s in visible_sites(actor)]
    return {"name": actor.name, "kind": "user" if actor.user_id else "key",
            "admin": actor.is_admin, "sites": sites,
            "csrf_token": generate_csrf() if actor.user_id else None}


@blp.route("/comments", methods=["GET"])
@blp.arguments(QueueQuery, location="query", error_status_code=400)
@blp.response(200, QueueOut)
@_refusals
def list_queue(args: dict):
    """The queue by status (``flagged`` included), oldest first, with email, IP, checks, flags."""
    return queue.load_queue(api_actor(), args["site"], args["status"], args["order"],
                            args["cursor"], args["limit"])


@blp.route("/comments/<int:comment_id>", methods=["POST"])
@blp.arguments(ActionIn)
@blp.response(200, ModeratedCommentOut)
@blp.alt_response(404, description="No such comment.")
@blp.alt_response(409, description="The action does not fit the comment's status.")
@_refusals
def act(args: dict, comment_id: int):
    """Approve, reject, mark spam or ham, delete or restore one comment."""
    comment = moderation.moderate_comment(api_actor(), comment_id, args["action"],
                                          args.get("note"))
    return queue.describe([comment])[0]


@blp.route("/comments/bulk", methods=["POST"])
@blp.arguments(BulkIn)
@blp.response(200, BulkOut)
@_refusals
def act_bulk(args: dict):
    """One action on many comments; each id gets its own result (404, 409 or the comment)."""
    results = moderation.moderate_bulk(api_actor(), args["ids"], args["action"],
                                       args.get("note"))
    described = iter(queue.describe([r.comment for r in results if r.comment is not None]))
    return {"action": args["action"].value, "results": [
        {"id": r.id, "ok": True, "status": 200, "detail": None, "comment": next(described)}
        if r.comment is not None else
        {"id": r.id, "ok": False, "status": _status(r.error), "detail": r.error.detail,
         "comment": None}
        for r in results
    ]}


def _status(error: DomainError | None) -> int:
    return next((code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind)), 400)


@blp.route("/sites/<slug>", methods=["GET"])
@blp.response(200, SiteSettingsOut)
@blp.alt_response(404, description="No such site.")
@_refusals
def get_site_settings(slug: str):
    """Every setting of a site."""
    return site_settings.get_settings(api_actor(), slug)


@blp.route("/sites/<slug>", methods=["PATCH"])
@blp.arguments(SiteSettingsPatch)
@blp.response(200, SiteSettingsOut)
@blp.alt_response(404, description="No such site.")
@_refusals
def patch_site_settings(args: dict, slug: str):
    """Change some settings (admins, and API keys of the site); the rest stay as they are."""
    return site_settings.update_settings(api_actor(), slug, args)


@blp.route("/threads", methods=["POST"])
@blp.arguments(ThreadLockIn)
@blp.response(200, ThreadLockOut)
@blp.alt_response(404, description="No such site.")
@_refusals
def lock_thread(args: dict):
    """Lock or unlock an article's comments (an article without comments yet is created)."""
    return site_settings.set_thread_lock(api_actor(), args["site"], args["thread"],
                                         args["locked"])


@blp.route("/bans", methods=["GET"])
@blp.arguments(BanQuery, location="query", error_status_code=400)
@blp.response(200, BansOut)
@_refusals
def list_bans(args: dict):
    """Bans on the caller's sites and on every site, newest first."""
    return {"bans": bans.list_bans(api_actor(), args["site"], args["include_expired"])}


@blp.route("/bans", methods=["POST"])
@blp.arguments(BanIn)
@blp.response(201, BanOut)
@blp.alt_response(409, description="Already banned.")
@_refusals
def create_ban(args: dict):
    """Ban an IP address or network, an email address or a name, optionally until a time."""
    return bans.create_ban(api_actor(), args["site"], args["kind"], args["value"],
                           args["expires_at"], args.get("reason"))


@blp.route("/bans/<int:ban_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, description="No such ban.")
@_refusals
def delete_ban(ban_id: int):
    """Lift a ban."""
    bans.lift_ban(api_actor(), ban_id)


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditQuery, location="query", error_status_code=400)
@blp.response(200, AuditOut)
@_refusals
def list_audit(args: dict):
    """Who did what to which comment, when and why; newest first."""
    return audit.list_events(api_actor(), args["site"], args["actor"], args["comment"],
                             args["cursor"], args["limit"])
