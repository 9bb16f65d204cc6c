"""Sites and their settings, thread locks, and bans."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for

from discuss.errors import Conflict, DomainError, Invalid
from discuss.models import utcnow
from discuss.services import bans, site_settings
from discuss.services.accounts import visible_sites
from discuss.web.admin import actor, blueprint, safe_next
from discuss.web.admin.forms import BanForm, SettingsForm, choices
from discuss.web.admin.spam_check_editor import MARKER, editor_for, place_errors, read_editor


def _show_errors(form, error: Invalid) -> None:
    """Put the service's field errors beside the form's fields."""
    for name, messages in error.errors.items():
        base = name.split("[")[0].split(".")[0]  # "sites[0]" belongs to sites
        where = name[len(base):].lstrip(".")
        field = getattr(form, base, None)
        if field is not None:
            field.errors = list(field.errors) + [f"{where}: {m}" if where else m
                                                 for m in messages]
        else:
            flash(f"{name}: {' '.join(messages)}", "error")
    if not error.errors and error.detail:
        flash(error.detail, "error")


@blueprint.route("/sites")
def sites():
    """The sites this user moderates."""
    return render_template("admin/sites.html", sites=visible_sites(actor()))


@blueprint.route("/sites/<slug>", methods=["GET", "POST"])
def site_settings_page(slug: str):
    """Read a site's settings; admins change them."""
    site = site_settings.get_settings(actor(), slug)
    form = SettingsForm(obj=site) if request.method == "GET" else SettingsForm()
    stored_checks = site.spam_checks or []
    submitted_checks, gone, checks_problems = None, [], []
    if request.method == "POST" and MARKER in request.form:
        submitted_checks, checks, gone = read_editor(request.form, stored_checks)
    else:
        checks = editor_for(stored_checks)
    if request.method == "GET":
        form.moderation.data = site.moderation.value
        form.origins.data = "\n".join(site.origins)
    elif form.validate():
        changes = {name: form[name].data for name in (
            "name", "closed", "require_email", "max_depth", "edit_window_seconds",
            "max_links", "auto_close_days", "flag_threshold", "language", "moderation")}
        changes["privacy_url"] = form.privacy_url.data or None
        if "origins" in request.form:
            changes["origins"] = form.origins.data.split()
        if submitted_checks is not None:
            changes["spam_checks"] = submitted_checks
        try:
            site_settings.update_settings(actor(), slug, changes)
        except Invalid as error:
            about_checks = {k: v for k, v in error.errors.items()
                            if k.startswith("spam_checks")}
            checks_problems = place_errors(checks, submitted_checks or [], about_checks)
            _show_errors(form, Invalid(error.detail, {
                k: v for k, v in error.errors.items() if k not in about_checks}))
        else:
            flash(f"Settings of {slug} saved.", "success")
            for name in gone:
                flash(f"The spam check {name!r} is no longer installed and was taken off "
                      "the list.", "info")
            return redirect(url_for("admin.site_settings_page", slug=slug))
    editable = actor().is_admin
    failed = form.errors or checks_problems or any(box.has_errors for box in checks)
    return render_template("admin/site_settings.html", site=site, form=form, editable=editable,
                           checks=checks, checks_problems=checks_problems,
                           checks_marker=MARKER), 422 if failed else 200


@blueprint.route("/threads")
def threads():
    """A site's newest articles with waiting comments, lock state and a lock switch."""
    choices = visible_sites(actor())
    slug = request.args.get("site") or (choices[0].slug if choices else None)
    rows = site_settings.list_threads(actor(), slug) if slug else []
    return render_template("admin/threads.html", rows=rows, sites=choices, current=slug,
                           here=request.full_path.rstrip("?"))


@blueprint.route("/threads/lock", methods=["POST"])
def lock_thread():
    """Lock or unlock one thread."""
    locked = request.form.get("locked") == "1"
    site_settings.set_thread_lock(actor(), request.form.get("site", ""),
                                  request.form.get("thread", ""), locked)
    flash("Thread locked: no new comments." if locked else "Thread reopened.", "success")
    return redirect(safe_next(request.form.get("next"), "admin.threads"))


def _ban_form() -> BanForm:
    form = BanForm()
    pairs = [(s.slug, s.slug) for s in visible_sites(actor())]
    if actor().all_sites:
        pairs.append(("*", "Every site"))
    form.site.choices = choices(pairs)
    return form


@blueprint.route("/bans", methods=["GET", "POST"])
def bans_page():
    """Bans of the user's sites, and a form for a new one."""
    form = _ban_form()
    if request.method == "GET":
        form.site.data = request.args.get("site") or form.site.data
        form.kind.data = request.args.get("kind") or form.kind.data
        form.value.data = request.args.get("value") or ""
    elif form.validate():
        days = form.days.data
        expires = utcnow() + timedelta(days=int(days)) if days else None
        try:
            ban = bans.create_ban(actor(), None if form.site.data == "*" else form.site.data,
                                  form.kind.data, form.value.data, expires, form.reason.data)
        except Invalid as error:
            _show_errors(form, error)
        except Conflict as error:
            flash(error.detail, "error")
        else:
            flash(f"Banned {ban.kind.value} {ban.value}.", "success")
            return redirect(safe_next(request.form.get("next"), "admin.bans_page"))
    status = 422 if form.errors else 200
    show_expired = request.args.get("expired") == "1"
    return render_template("admin/bans.html", form=form, show_expired=show_expired,
                           bans=bans.list_bans(actor(), include_expired=show_expired),
                           now=utcnow()), status


@blueprint.route("/bans/<int:ban_id>/lift", methods=["POST"])
def lift_ban(ban_id: int):
    """Remove a ban."""
    try:
        bans.lift_ban(actor(), ban_id)
    except DomainError as error:
        flash(error.detail, "error")
    else:
        flash("Ban lifted.", "success")
    return redirect(url_for("admin.bans_page"))
