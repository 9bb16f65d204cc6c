"""The data every target gets: the same threads, tree shapes, authors and bodies.

Thread keys are URL paths so that Isso, which addresses threads by URI, gets the same ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

SITE = "bench"
READ_200 = "/article/t200"
READ_2000 = "/article/t2000"
POSTS = "/article/posts"
COUNT_KEYS = [f"/article/c{n:02d}" for n in range(20)]
# How long a benchmark reader keeps the comment form before posting: longer than the timing
# check's default minimum (3 s), so that its posts are published, not held.
FORM_AGE_SECONDS = 3.5

# (key, comments, top-level comments): the first page (50 roots) of t200 is the whole thread.
THREADS: list[tuple[str, int, int]] = [
    (READ_200, 200, 50),
    (READ_2000, 2000, 500),
    *[(key, 3 + n % 5, 2) for n, key in enumerate(COUNT_KEYS)],
]

_BODIES = [
    "I read the whole piece twice. The **council's numbers** don't add up: the budget line for "
    "road repairs went *down* while the report says spending rose. Has anyone asked the "
    "finance office for the underlying spreadsheet?",
    "Good reporting, but the headline oversells it. The study had 212 participants and no "
    "control group, so at most it *suggests* a link.\n\nStill worth covering, just with more "
    "care.",
    "We live two streets from the site. The noise started at 6 a.m. every day last week, "
    "which is well before the permitted hours. Nobody answers the hotline.",
    "Counterpoint: the same policy was tried in 2014 and the results were mixed at best. "
    "See the follow-up article from that year; the *second* year was much worse than the "
    "first.",
    "Thank you for including the full quote. The short version going around online leaves "
    "out the part about the exemptions, which changes the meaning completely.",
]
_NAMES = ["Olena", "Marcus", "Aiko", "Sofía", "Jonas", "Priya", "Tomasz", "Amara", "Lin",
          "Gabriel"]


@dataclass(frozen=True)
class SeedComment:
    """One comment of the data set; ``parent`` is an index into the same thread's comments."""

    index: int
    parent: int | None
    author: str
    body: str
    minutes_ago: int


def thread_comments(total: int, roots: int) -> Iterator[SeedComment]:
    """A deterministic tree: ``roots`` top-level comments, then replies to earlier comments."""
    for index in range(total):
        parent = None if index < roots else (index * 2654435761 % 2**32) % index
        yield SeedComment(
            index=index,
            parent=parent,
            author=_NAMES[index % len(_NAMES)],
            body=_BODIES[index % len(_BODIES)] + f" (#{index})",
            minutes_ago=total - index,
        )
