"""The queue, one-click and bulk decisions, and a comment's detail page."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from discuss.errors import Conflict, DomainError, Invalid, NotFound
from discuss.models import utcnow
from discuss.schemas.moderation import ActionIn, BulkIn, QueueQuery
from discuss.services import bans, moderation, queue
from discuss.services.accounts import visible_sites
from discuss.services.moderation import ModerationAction, allowed_actions
from discuss.services.queue import QueueOrder, QueueStatus
from discuss.web.admin import actor, blueprint, safe_next
from discuss.web.admin.forms import EXPIRY_CHOICES

PAST_TENSE = {
    ModerationAction.APPROVE: "approved",
    ModerationAction.REJECT: "rejected",
    ModerationAction.SPAM: "marked as spam",
    ModerationAction.HAM: "marked as not spam and published",
    ModerationAction.DELETE: "deleted",
    ModerationAction.RESTORE: "restored",
}


@blueprint.route("/")
def index():
    """The queue is the home page."""
    return redirect(url_for("admin.queue"))


@blueprint.route("/queue", endpoint="queue")
def queue_page():
    """A tab of the queue with counts, oldest or newest first, with bulk actions."""
    try:
        args = QueueQuery().load(request.args.to_dict())
    except ValidationError:
        args = QueueQuery().load({})
    page = queue.load_queue(actor(), args["site"], args["status"], args["order"],
                            args["cursor"], args["limit"])
    return render_template(
        "admin/queue.html", page=page, args=args, statuses=list(QueueStatus),
        orders=list(QueueOrder), sites=visible_sites(actor()), actions=list(ModerationAction),
        allowed_actions=allowed_actions, here=request.full_path.rstrip("?"),
    )


def _action_from_form() -> tuple[ModerationAction, str | None]:
    data = ActionIn().load({"action": request.form.get("action", ""),
                            "note": request.form.get("note") or None})
    return data["action"], data.get("note")


@blueprint.route("/comments/<int:comment_id>/act", methods=["POST"])
def act(comment_id: int):
    """One click: approve, reject, spam, ham, delete or restore, then back where you were."""
    back = safe_next(request.form.get("next"))
    try:
        action, note = _action_from_form()
        moderation.moderate_comment(actor(), comment_id, action, note)
    except ValidationError:
        flash("Choose an action.", "error")
        return redirect(back)
    except (Conflict, NotFound) as error:
        flash(error.detail, "error")
        return redirect(back)
    flash(f"Comment {comment_id} {PAST_TENSE[action]}.", "success")
    return redirect(back)


@blueprint.route("/comments/bulk", methods=["POST"])
def act_bulk():
    """The selected comments, one action."""
    back = safe_next(request.form.get("next"))
    raw_ids = request.form.getlist("ids")
    try:
        data = BulkIn().load({
            "ids": [int(i) for i in raw_ids if i.isdigit()],
            "action": request.form.get("bulk_action", ""),
        })
    except ValidationError as error:
        flash("Select some comments first." if "ids" in error.messages
              else "Choose what to do with the selected comments.", "error")
        return redirect(back)
    try:
        results = moderation.moderate_bulk(actor(), data["ids"], data["action"])
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(back)
    done = sum(1 for r in results if r.comment is not None)
    flash(f"{done} comment{'s' if done != 1 else ''} {PAST_TENSE[data['action']]}.", "success")
    for result in results:
        if result.error is not None:
            flash(result.error.detail, "error")
    return redirect(back)


@blueprint.route("/comments/<int:comment_id>")
def comment_detail(comment_id: int):
    """One comment in full: context, checks, flags, history, the author's other comments."""
    story = queue.comment_story(actor(), comment_id)
    return render_template(
        "admin/comment.html", story=story, item=story.item,
        allowed_actions=allowed_actions, expiry_choices=EXPIRY_CHOICES,
        here=request.full_path.rstrip("?"),
    )


@blueprint.route("/comments/<int:comment_id>/ban", methods=["POST"])
def ban_author(comment_id: int):
    """Ban the comment's author by email, IP or name, from the detail page."""
    back = safe_next(request.form.get("next"))
    days = request.form.get("days", "")
    allowed = {value for value, _ in EXPIRY_CHOICES if value}
    expires = utcnow() + timedelta(days=int(days)) if days in allowed else None
    try:
        ban = bans.ban_author(actor(), comment_id, request.form.get("kind", ""), expires,
                              request.form.get("reason") or None)
    except (Invalid, Conflict) as error:
        flash(error.detail, "error")
    else:
        flash(f"Banned {ban.kind.value} {ban.value}"
              f"{' until ' + ban.expires_at.strftime('%Y-%m-%d') if ban.expires_at else ''}.",
              "success")
    return redirect(back)
