"""WordPress WXR exports: each ``<item>`` (a post or page) carries its ``<wp:comment>`` entries.

Comment content is WordPress's own mix of text and HTML, where a blank line starts a
paragraph and a newline breaks a line; the writer turns it into our Markdown source and
renders that through ``discuss.text``. Pingbacks and trackbacks are not reader comments and
are skipped.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from discuss.models import CommentStatus
from discuss.services.imports.common import (
    Progress,
    ThreadKey,
    child_text,
    clean_email,
    clean_ip,
    clean_text,
    clean_url,
    iter_records,
    local_name,
    parse_time,
    thread_key,
)
from discuss.services.imports.writer import (
    ForeignHtml,
    ImportWriter,
    IncomingComment,
    IncomingThread,
)

_STATUSES = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
_NOT_COMMENTS = frozenset({"pingback", "trackback"})
_ZERO_DATE = "0000-00-00 00:00:00"


def _is_wp(element: Element, name: str) -> bool:
    return element.tag.startswith("{http://wordpress.org/export/") and local_name(
        element.tag) == name


def _date(element: Element, prefix: str, what: str, writer: ImportWriter | None) -> str | None:
    """The GMT date; WordPress leaves it zero on some rows, then the local date stands in."""
    gmt = child_text(element, f"{prefix}_date_gmt")
    if gmt and gmt != _ZERO_DATE:
        return gmt
    local = child_text(element, f"{prefix}_date")
    if local and local != _ZERO_DATE:
        if writer is not None:
            writer.warn(f"{what} has no GMT date; its local time is taken as UTC")
        return local
    return None


def _thread(path: Path, item: Element, choice: ThreadKey) -> IncomingThread:
    link = child_text(item, "link")
    post_id = child_text(item, "post_id")
    date = _date(item, "post", f"post {post_id}", None)
    return IncomingThread(
        key=thread_key(choice, link, post_id or child_text(item, "post_name")),
        url=link or None,
        title=clean_text(child_text(item, "title"), 500),
        created_at=parse_time(path, date, f"post {post_id}") if date else None,
        locked=child_text(item, "comment_status") == "closed",
    )


def _comment(path: Path, element: Element, writer: ImportWriter) -> IncomingComment | None:
    comment_id = child_text(element, "comment_id")
    if child_text(element, "comment_type") in _NOT_COMMENTS:
        return None
    approved = child_text(element, "comment_approved")
    status = _STATUSES.get(approved)
    if status is None:
        writer.warn(f"comment {comment_id} has status {approved!r}; imported as pending")
        status = CommentStatus.PENDING
    parent = child_text(element, "comment_parent")
    return IncomingComment(
        source_id=comment_id,
        parent_source_id=parent if parent not in ("", "0") else None,
        status=status,
        body_source=ForeignHtml(child_text(element, "comment_content"), newlines_break=True),
        created_at=parse_time(path, _date(element, "comment", f"comment {comment_id}", writer),
                              f"comment {comment_id}"),
        author_name=clean_text(child_text(element, "comment_author"), 100),
        author_email=clean_email(child_text(element, "comment_author_email")),
        author_url=clean_url(child_text(element, "comment_author_url")),
        author_ip=clean_ip(child_text(element, "comment_author_IP")),
        user_agent=clean_text(child_text(element, "comment_agent"), 500),
    )


def read(path: Path, writer: ImportWriter, choice: ThreadKey, progress: Progress) -> None:
    """Stream a WXR file into the writer, one post with its comments at a time."""
    for _, item in iter_records(path, root="rss", depth=2, names=frozenset({"item"}),
                                what="a WordPress export (WXR)", progress=progress):
        entries = [element for element in item if _is_wp(element, "comment")]
        if not entries:
            continue
        thread = _thread(path, item, choice)
        for entry in entries:
            comment = _comment(path, entry, writer)
            if comment is None:
                writer.report.skipped += 1
            elif not comment.source_id:
                writer.warn("a comment without comment_id was skipped")
                writer.report.skipped += 1
            else:
                writer.add(thread, comment)
