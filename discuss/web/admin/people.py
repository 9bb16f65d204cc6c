"""Accounts, API keys and the audit log."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from marshmallow import ValidationError

from discuss.errors import DomainError, Invalid
from discuss.extensions import limiter
from discuss.models import utcnow
from discuss.schemas.moderation import AuditQuery
from discuss.services import accounts, audit, audit_export
from discuss.services.accounts import visible_sites
from discuss.web.admin import actor, blueprint
from discuss.web.admin.forms import KeyForm, PasswordChangeForm, UserEditForm, UserForm, choices
from discuss.web.admin.session_views import login_limit, start_session
from discuss.web.admin.site_views import _show_errors


def _site_choices() -> list[tuple[str, str]]:
    return choices([(s.slug, s.slug) for s in visible_sites(actor())])


@blueprint.route("/users", methods=["GET", "POST"])
def users():
    """Every account, and a form for a new one (admins only)."""
    actor().require_admin()
    form = UserForm()
    form.sites.choices = _site_choices()
    if request.method == "POST" and form.validate():
        try:
            user = accounts.create_user(form.name.data, form.password.data, form.role.data,
                                        form.sites.data or [], by=actor())
        except Invalid as error:
            _show_errors(form, error)
        else:
            flash(f"Account {user.name} created.", "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/users.html", form=form,
                           users=accounts.list_users(actor())), status


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Change one account's role, sites, password or access."""
    actor().require_admin()
    user = next((u for u in accounts.list_users(actor()) if u.id == user_id), None)
    if user is None:
        return render_template("admin/missing.html", what=f"user {user_id}"), 404
    form = UserEditForm()
    form.sites.choices = _site_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.sites.data = [s.slug for s in user.sites]
        form.active.data = user.active
    elif form.validate():
        try:
            accounts.update_user(actor(), user_id, role=form.role.data,
                                 site_slugs=form.sites.data or [], active=form.active.data,
                                 password=form.password.data or None)
        except Invalid as error:
            _show_errors(form, error)
        except DomainError as error:
            flash(error.detail, "error")
        else:
            flash(f"Account {user.name} saved.", "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_edit.html", form=form, user=user), status


def _account_key() -> str:
    return f"account:{current_user.get_id()}"


@blueprint.route("/account", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])  # guessing the current password is a login
@limiter.limit(login_limit, methods=["POST"], key_func=_account_key)
def account():
    """The signed-in user's own password."""
    form = PasswordChangeForm()
    if request.method == "POST" and form.validate():
        try:
            user = accounts.change_own_password(actor(), form.current_password.data,
                                                form.new_password.data)
        except Invalid as error:
            _show_errors(form, error)
        else:
            start_session(user)  # a fresh one for the new password; the others are signed out
            flash("Password changed. Your other sessions are signed out.", "success")
            return redirect(url_for("admin.account"))
    status = 422 if form.errors else 200
    return render_template("admin/account.html", form=form), status


@blueprint.route("/keys", methods=["GET", "POST"])
def keys():
    """API keys (never their secrets), and a form for a new one, shown once."""
    actor().require_admin()
    form = KeyForm()
    form.site.choices = choices([("*", "Every site")]) + _site_choices()
    secret = None
    if request.method == "POST" and form.validate():
        site = None if form.site.data == "*" else form.site.data
        try:
            _, secret = accounts.create_api_key(site, form.label.data or "", by=actor())
        except Invalid as error:
            _show_errors(form, error)
    return render_template("admin/keys.html", form=form, secret=secret,
                           keys=accounts.list_api_keys(actor()))


@blueprint.route("/keys/<int:key_id>/revoke", methods=["POST"])
def revoke_key(key_id: int):
    """Stop a key working."""
    try:
        key = accounts.revoke_api_key(actor(), key_id)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        flash(f"Key {key.prefix}… revoked.", "success")
    return redirect(url_for("admin.keys"))


def _audit_filters() -> dict:
    """The audit log's filters from the query string; a filter that does not parse is dropped
    (and said so), the others still apply."""
    given = request.args.to_dict()
    try:
        return AuditQuery().load(given)
    except ValidationError as error:
        flash(f"Ignored filter(s) that are not valid: {', '.join(sorted(error.messages))}.",
              "error")
        return AuditQuery().load({k: v for k, v in given.items() if k not in error.messages})


@blueprint.route("/audit/export")
def audit_export_file():
    """The whole log under the page's filters, oldest first, as a download."""
    args = _audit_filters()
    file_format = request.args.get("format", "csv")
    events = audit.all_events(actor(), args["site"], args["actor"])  # refusals before a byte
    try:
        body = audit_export.lines(events, file_format)
    except Invalid:
        flash(f"Unknown format {file_format[:20]!r}; use CSV or JSON Lines.", "error")
        return redirect(url_for("admin.audit_log", site=args["site"], actor=args["actor"]))
    name = f"audit-{args['site'] or 'all-sites'}-{utcnow():%Y%m%d-%H%M%S}.{file_format}"
    return Response(body, mimetype=audit_export.MEDIA_TYPES[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.route("/audit")
def audit_log():
    """Who did what, newest first, by site and by moderator."""
    args = _audit_filters()
    page = audit.list_events(actor(), args["site"], args["actor"], args["comment"],
                             args["cursor"], args["limit"])
    return render_template("admin/audit.html", page=page, args=args,
                           sites=visible_sites(actor()), actors=audit.actor_names(actor()))
