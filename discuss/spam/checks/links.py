"""Links: spam sells by linking; WordPress holds a comment with 2 or more links."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, validate

from discuss.spam.base import CheckContext, Submission, Verdict, ham, unsure
from discuss.spam.options import Int
from discuss.text import count_links


class LinksOptions(Schema):
    """Options of the links check."""

    max = Int(
        load_default=None, allow_none=True, validate=validate.Range(min=0),
        metadata={"description": "hold a comment with this many links or more; 0 turns the "
                                 "check off; unset: the site's max_links (2)"})


class LinksCheck:
    """Holds comments with too many links."""

    name: ClassVar[str] = "links"
    inline: ClassVar[bool] = True  # local and bounded: no thread hop
    Options = LinksOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Count the links in the rendered body."""
        limit = context.option("max", context.site.max_links)
        found = count_links(submission.body_html)
        if limit and found >= limit:
            return unsure(f"{found} links, holding at {limit}", min(1.0, 0.4 + 0.1 * found))
        return ham(f"{found} links")
