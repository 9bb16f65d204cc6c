"""The thread without JavaScript: read, post and reply with plain HTML (Post/Redirect/Get).

The same services as the JSON API do the work; these views only translate between a form
and those calls, so every rule (spam checks, moderation, locks) applies here too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from discuss.errors import BadRequest, Forbidden, Invalid, NotFound
from discuss.services import listing
from discuss.services.comments import NewComment, submit_comment
from discuss.services.sites import get_site
from discuss.services.widget import widget_config
from discuss.web.api.requests import client_info
from discuss.web.embed import blueprint
from discuss.web.embed.forms import CommentForm, ThreadPageQuery
from discuss.web.embed.i18n import Translator, pick_language
from discuss.web.embed.identicon import identicon
from discuss.web.flood import flood_limited

PAGE_SIZE = 20
FIELDS_BESIDE = ("body", "author_name", "author_email", "author_url")


def _find(nodes: list[listing.CommentNode], comment_id: int) -> listing.CommentNode | None:
    for node in nodes:
        if node.id == comment_id:
            return node
        found = _find(node.replies, comment_id)
        if found is not None:
            return found
    return None


def _on_site(url: object, origins: list[str]) -> bool:
    """Whether a thread URL (sent by the first commenter) points at one of the site's pages."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return False
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() in {o.lower() for o in origins}


def _page_url(query: dict[str, Any], **changes: Any) -> str:
    """This page's address with some parameters changed (None drops one)."""
    params = {"site": query["site"], "thread": query["thread"], "sort": query["sort"].value,
              "cursor": query.get("cursor"), "lang": query.get("lang"),
              "url": query.get("url"), "title": query.get("title")}
    params.update(changes)
    if params["sort"] == listing.SortOrder.OLDEST.value:
        params["sort"] = None
    return url_for("embed.thread_page", **{k: v for k, v in params.items() if v is not None})


def _render(query: dict[str, Any], status: int = 200, values: dict[str, Any] | None = None,
            errors: dict[str, list[str]] | None = None, general: str | None = None) -> Response:
    """The page: settings, one page of the thread, the form (with errors beside fields)."""
    settings = widget_config(query["site"], query["thread"])
    page = listing.load_thread_page(query["site"], query["thread"], query["sort"], PAGE_SIZE,
                                    query.get("cursor"))
    origins = get_site(query["site"]).origins
    t = Translator(pick_language(query.get("lang"), settings.language))
    reply_to = _find(page.comments, query["reply"]) if query.get("reply") else None
    info = page.thread_info
    back = info["url"] if _on_site(info["url"], origins) else None
    html = render_template(
        "embed/thread.html", t=t, query=query, page=page, info=info, back=back,
        settings=settings, reply_to=reply_to, values=values or {}, errors=errors or {},
        general=general, fields_beside=FIELDS_BESIDE, identicon=identicon,
        page_url=lambda **changes: _page_url(query, **changes), sorts=list(listing.SortOrder),
    )
    response = make_response(html, status)
    ancestors = " ".join(["'self'", *origins])
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_query(given: dict[str, Any]) -> dict[str, Any]:
    """The page parameters, checked. A bad article address or title (they only describe a
    thread its first comment creates) is left out rather than refusing the whole page."""
    try:
        return ThreadPageQuery().load(given)
    except ValidationError as error:
        if not set(error.messages) <= {"url", "title"}:
            raise
    return ThreadPageQuery().load({k: v for k, v in given.items() if k not in ("url", "title")})


def _query_from_form(raw: Any) -> dict[str, Any]:
    """The page parameters the form carried, checked like the query string (a bad address
    or title among them is reported by the form's own check)."""
    wanted = {name: raw.get(name) for name in ("site", "thread", "sort", "cursor", "lang")}
    wanted["reply"] = raw.get("parent_id")
    wanted["url"], wanted["title"] = raw.get("thread_url"), raw.get("thread_title")
    try:
        return _page_query({k: v for k, v in wanted.items() if v})
    except ValidationError:
        raise BadRequest("The form does not say which thread it belongs to.") from None


@blueprint.get("/embed/thread")
def thread_page() -> Response:
    """The thread and its form, rendered on the server."""
    try:
        query = _page_query(request.args.to_dict())
    except ValidationError as error:
        raise BadRequest(f"Some parameters are not valid: {', '.join(error.messages)}.") from None
    return _render(query)


def _load_form(form: Any) -> NewComment:
    """The posted form as the service's input; shape errors become field errors."""
    try:
        data = CommentForm().load(form)
    except ValidationError as error:
        messages = {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages.items()}
        raise Invalid("Some fields are not valid.", messages) from None
    for page_only in ("sort", "cursor", "lang"):
        data.pop(page_only, None)
    return NewComment(**data)


def _beside_and_general(error: Invalid) -> tuple[dict[str, list[str]], str | None]:
    """Messages for the visible fields go beside them; the rest above the form."""
    beside = {k: v for k, v in error.errors.items() if k in FIELDS_BESIDE}
    general = " ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.errors.items()
                       if k not in FIELDS_BESIDE)
    return beside, general or (None if beside else error.detail)


@blueprint.post("/embed/thread")
@flood_limited
def post_from_page() -> Response:
    """Post a comment from the plain form, then redirect to the page that shows the result."""
    query = _query_from_form(request.form)
    values = request.form.to_dict()
    try:
        new = _load_form(request.form)
        result = submit_comment(new, client_info())
    except Invalid as error:
        return _render(query, 422, values, *_beside_and_general(error))
    except (Forbidden, NotFound) as error:
        get_site(query["site"])  # an unknown site is a 404 page, not a form error
        status = 403 if isinstance(error, Forbidden) else 404
        return _render(query, status, values, None, error.detail)
    held = result.public_status.value != "approved"
    anchor = "discuss-notice" if held else f"discuss-c-{result.comment.id}"
    target = _page_url(query, posted=result.comment.id, held=1 if held else None,
                       cursor=query.get("cursor") if new.parent_id else None)
    return redirect(f"{target}#{anchor}", code=303)
