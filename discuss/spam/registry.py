"""Finding the spam checks, running a site's checks in isolation, and passing on feedback."""

from __future__ import annotations

from discuss.models import Comment, Site


def send_feedback(site: Site, comment: Comment, is_spam: bool) -> None:
    """Tell the site's learning checks what a moderator decided about ``comment``."""
    return None
