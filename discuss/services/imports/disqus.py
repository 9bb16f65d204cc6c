"""Disqus XML exports: ``<thread dsq:id>`` articles, then ``<post dsq:id>`` comments.

Posts name their thread and parent by ``dsq:id``. Messages are HTML: the writer turns them
into our Markdown source and renders that through ``discuss.text`` like any comment.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from xml.etree.ElementTree import Element

from discuss.models import CommentStatus
from discuss.services.imports.common import (
    Progress,
    ThreadKey,
    attribute,
    child,
    child_text,
    clean_email,
    clean_ip,
    clean_text,
    iter_records,
    parse_time,
    thread_key,
)
from discuss.services.imports.writer import (
    ForeignHtml,
    ImportWriter,
    IncomingComment,
    IncomingThread,
)

_RECORDS = frozenset({"thread", "post"})


def _flag(value: str) -> bool:
    return value.strip().lower() in ("true", "1")


def _thread(path: Path, element: Element, choice: ThreadKey) -> IncomingThread:
    link = child_text(element, "link")
    created = child_text(element, "createdAt")
    return IncomingThread(
        key=thread_key(choice, link, child_text(element, "id")),
        url=link or None,
        title=clean_text(child_text(element, "title"), 500),
        created_at=parse_time(path, created, "a thread") if created else None,
        locked=_flag(child_text(element, "isClosed")),
    )


def _status(element: Element) -> CommentStatus:
    if _flag(child_text(element, "isSpam")):
        return CommentStatus.SPAM
    if _flag(child_text(element, "isDeleted")):
        return CommentStatus.DELETED
    if child_text(element, "isApproved").lower() == "false":
        return CommentStatus.PENDING
    return CommentStatus.APPROVED


def _post(path: Path, element: Element, post_id: str) -> IncomingComment:
    author = child(element, "author")
    return IncomingComment(
        source_id=post_id,
        parent_source_id=attribute(child(element, "parent"), "id") or None,
        status=_status(element),
        body_source=ForeignHtml(child_text(element, "message")),
        created_at=parse_time(path, child_text(element, "createdAt"), f"post {post_id}"),
        author_name=clean_text(child_text(author, "name") or child_text(author, "username"), 100),
        author_email=clean_email(child_text(author, "email")),
        author_ip=clean_ip(child_text(element, "ipAddress")),
    )


def read(path: Path, writer: ImportWriter, choice: ThreadKey, progress: Progress) -> None:
    """Stream a Disqus export into the writer; posts may come before their thread."""
    threads: dict[str, IncomingThread] = {}
    waiting: dict[str, list[IncomingComment]] = defaultdict(list)
    for name, element in iter_records(path, root="disqus", depth=1, names=_RECORDS,
                                      what="a Disqus export", progress=progress):
        dsq_id = attribute(element, "id")
        if not dsq_id:
            writer.warn(f"a <{name}> without dsq:id was skipped")
            writer.report.skipped += name == "post"
            continue
        if name == "thread":
            threads[dsq_id] = _thread(path, element, choice)
            for comment in waiting.pop(dsq_id, []):
                writer.add(threads[dsq_id], comment)
            continue
        comment = _post(path, element, dsq_id)
        thread_ref = attribute(child(element, "thread"), "id")
        if thread_ref in threads:
            writer.add(threads[thread_ref], comment)
        else:
            waiting[thread_ref].append(comment)
    for thread_ref, comments in waiting.items():
        writer.warn(f"{len(comments)} post(s) belong to thread {thread_ref!r}, which the export "
                    "does not describe; skipped")
        writer.report.skipped += len(comments)
