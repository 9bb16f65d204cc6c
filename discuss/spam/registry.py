"""Finding the spam checks, running a site's checks in isolation, and passing on feedback."""

from __future__ import annotations

from discuss.models import Comment, Site


def send_feedback(site: Site, comment: Comment, is_spam: bool) -> None:
    """Tell the site's learning checks what a moderator decided about ``comment``."""
    return None


def validate_site_checks(checks: list) -> list[dict]:
    """Check a site's list of enabled checks; a stand-in until the check registry lands."""
    from discuss.errors import Invalid

    if not isinstance(checks, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in checks
    ):
        raise Invalid("Invalid spam checks.", {"spam_checks": ["Each entry needs a name."]})
    return checks
