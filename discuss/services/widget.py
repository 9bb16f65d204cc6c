"""What the widget needs to know about a site and thread before it draws the form."""

from __future__ import annotations

from dataclasses import dataclass

from discuss.services.sites import get_site
from discuss.services.threads import find_thread
from discuss.tokens import make_form_token


@dataclass
class WidgetConfig:
    """Settings for one thread's comment section, with a fresh form token."""

    site: str
    thread: dict
    max_depth: int
    edit_window_seconds: int
    require_email: bool
    language: str
    form_token: str
    privacy_url: str | None


def widget_config(site_slug: str, thread_key: str) -> WidgetConfig:
    """The site's reader-facing settings and the thread's state (an unknown thread is empty)."""
    site = get_site(site_slug)
    thread = find_thread(site, thread_key)
    closed = site.closed or (thread.is_closed() if thread else False)
    return WidgetConfig(
        site=site.slug,
        thread={
            "key": thread_key,
            "locked": closed,
            "comment_count": thread.comment_count if thread else 0,
        },
        max_depth=site.max_depth,
        edit_window_seconds=site.edit_window_seconds,
        require_email=site.require_email,
        language=site.language,
        form_token=make_form_token(site.slug),
        privacy_url=site.privacy_url,
    )
