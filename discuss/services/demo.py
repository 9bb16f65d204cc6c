"""The demo site: a sample article with a lively comment section, for newcomers."""

from __future__ import annotations

from datetime import timedelta

from discuss.extensions import db
from discuss.models import Comment, CommentStatus, ModerationMode, Site, utcnow
from discuss.services.sites import find_site
from discuss.services.threads import ensure_thread, record_change
from discuss.spam.registry import default_site_checks
from discuss.text import render_markdown
from discuss.tokens import pseudonym

DEMO_SLUG = "demo"
DEMO_THREAD = "2026/11/night-ferry-returns"
DEMO_TITLE = "The night ferry returns to the harbour after eleven years"
DEMO_ORIGINS = ["http://127.0.0.1:5000", "http://localhost:5000"]

_CONVERSATION = [
    # (key, parent key, name, minutes ago, body)
    ("a", None, "Marta Kowalska", 300,
     "Finally! I used to take the 23:40 home from the theatre every week. "
     "Does anyone know if bikes are allowed on board?"),
    ("b", "a", "Tomás", 280,
     "Bikes are allowed, up to *eight* per crossing according to the "
     "[timetable](https://example.org/ferry-timetable)."),
    ("c", "b", "Marta Kowalska", 260, "Thank you, that settles it."),
    ("d", None, "Olena", 190,
     "Good news for the night-shift workers at the hospital on the east bank. "
     "The bus detour added **forty minutes** each way."),
    ("e", None, "J. Okafor", 75,
     "Eleven years is a long time. I hope the council publishes the running costs:\n\n"
     "> a one-year trial, reviewed in public\n\nis what the article says. Let's hold them to it."),
    ("f", "e", "Harbour Watch", 40, "The costs are in the council minutes from September."),
]


def seed_demo(origins: list[str] | None = None) -> Site:
    """Create the demo site and its article's comments; running it again changes nothing."""
    site = find_site(DEMO_SLUG)
    if site is not None:
        return site
    site = Site(slug=DEMO_SLUG, name="The Harbour Courier", origins=origins or DEMO_ORIGINS,
                moderation=ModerationMode.POST, spam_checks=default_site_checks(),
                created_at=utcnow())
    db.session.add(site)
    db.session.flush()
    thread = ensure_thread(site, DEMO_THREAD, "/demo", DEMO_TITLE)
    by_key: dict[str, Comment] = {}
    now = utcnow()
    for key, parent_key, name, minutes, body in _CONVERSATION:
        parent = by_key.get(parent_key) if parent_key else None
        comment = Comment(
            thread_id=thread.id,
            parent_id=parent.id if parent else None,
            root_id=(parent.root_id or parent.id) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            status=CommentStatus.APPROVED,
            author_name=name,
            avatar=pseudonym("avatar", f"{name}|demo"),
            body_source=body,
            body_html=render_markdown(body),
            created_at=now - timedelta(minutes=minutes),
        )
        db.session.add(comment)
        db.session.flush()
        by_key[key] = comment
        record_change(thread.id, 1)
    db.session.commit()
    return site
