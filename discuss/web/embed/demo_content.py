"""The demo newspaper's articles: invented local news, written for this demo."""

from __future__ import annotations

from dataclasses import dataclass

from discuss.services.demo import DEMO_SLUG, DEMO_THREAD, DEMO_TITLE


@dataclass(frozen=True)
class Article:
    """One story of the demo paper; ``key`` is its comment thread."""

    slug: str
    key: str
    section: str
    title: str
    standfirst: str
    author: str
    role: str
    published: str
    reading_minutes: int
    paragraphs: tuple[str, ...]
    fact_title: str = ""
    facts: tuple[str, ...] = ()


SITE = DEMO_SLUG
PAPER = "The Harbour Courier"

FERRY = Article(
    slug="night-ferry-returns",
    key=DEMO_THREAD,
    section="Transport",
    title=DEMO_TITLE,
    standfirst=(
        "From next month a late crossing links the old town and the east bank again, "
        "for a one-year trial that the council promises to review in public."
    ),
    author="Ines Varga",
    role="Transport reporter",
    published="24 November 2026",
    reading_minutes=4,
    paragraphs=(
        "For eleven years the last boat across the harbour left at 20:15, and anyone working "
        "late on the east bank faced a forty-minute bus detour around the estuary. On Monday "
        "the council voted to bring back the night ferry, with crossings every half hour until "
        "00:40 from Thursday to Sunday and a final boat at 23:40 on the other nights.",
        "The service will be run by the same cooperative that operates the daytime route. Its "
        "chair, Henrik Saarinen, said the crew had asked for the late shifts. \u201cPeople "
        "kept telling us about the long way home. A ten-minute crossing changes the whole "
        "evening for them,\u201d he said at the quayside after the vote.",
        "The first boat on the restored timetable will be the Petrel, a 1998 passenger ferry "
        "refitted this autumn with an electric drive and room for eight bicycles. A second, "
        "smaller vessel will stand by on weekends when the theatre and the concert hall on "
        "the old-town side let out.",
        "Night-shift staff at the east bank hospital were among the loudest supporters of the "
        "plan. A petition from the hospital\u2019s nurses gathered more than 2,300 signatures "
        "in the spring, and several of them were in the public gallery for the vote.",
        "Not everyone is convinced. Two councillors voted against, arguing that the money "
        "would be better spent on more frequent night buses, which also serve the northern "
        "estates that the ferry does not reach. The trial is expected to cost about "
        "\u20ac410,000 for the year, a third of it covered by fares.",
        "The council has promised to publish passenger numbers every quarter and to hold a "
        "public review before deciding whether to keep the service. Single tickets will cost "
        "the same as a bus fare, and monthly passes for the bus network will be valid on "
        "board.",
        "Tell us what you think below: would a late crossing change how you get around the "
        "harbour?",
    ),
    fact_title="The night ferry at a glance",
    facts=(
        "Crossing time: about 10 minutes, old town quay to east bank pier",
        "Last boat: 00:40 Thursday to Sunday, 23:40 Monday to Wednesday",
        "Fares: the same as the bus; monthly bus passes are valid",
        "Trial: one year, with quarterly passenger figures published",
    ),
)

OTHERS = (
    Article(
        slug="market-hall-roof",
        key="2026/11/market-hall-roof",
        section="City",
        title="Market hall reopens under a new timber roof",
        standfirst="After two winters under scaffolding, the stallholders are back.",
        author="Jonas Pereira",
        role="City reporter",
        published="22 November 2026",
        reading_minutes=2,
        paragraphs=(
            "The covered market on Rope Street reopened on Saturday with its first full row of "
            "stalls since the old roof was declared unsafe in 2024.",
            "The new roof is built from local larch and lets in far more daylight than the "
            "steel and wired glass it replaces. Thirty-one of the thirty-four stallholders "
            "have returned; the three empty pitches will be let to new traders in January.",
            "Opening hours are unchanged: Tuesday to Saturday, from seven until two.",
        ),
    ),
    Article(
        slug="library-late-hours",
        key="2026/11/library-late-hours",
        section="Culture",
        title="Central library tries opening until midnight during exams",
        standfirst="Students asked for a quiet place to work late; the library said yes, for now.",
        author="Amara Lindqvist",
        role="Culture editor",
        published="20 November 2026",
        reading_minutes=2,
        paragraphs=(
            "For the four weeks of the winter exam season the central library will keep its "
            "reading rooms open until midnight, staffed by volunteers and two security guards.",
            "The idea came from a student union survey in which two thirds of respondents said "
            "they had nowhere quiet to study after nine in the evening.",
            "If the trial goes well, the library will consider late openings again in June.",
        ),
    ),
    Article(
        slug="winter-swimmers",
        key="2026/11/winter-swimmers",
        section="Community",
        title="Winter swimmers ask for a warm changing room at the north pier",
        standfirst="The sea is nine degrees. The swimmers would like a warmer place to change.",
        author="Tomasz Wrona",
        role="Community reporter",
        published="18 November 2026",
        reading_minutes=2,
        paragraphs=(
            "Every morning at half past seven, around forty people walk down the steps at the "
            "north pier and into the harbour. Their club has now asked the council for a "
            "heated cabin to change in afterwards.",
            "The club has offered to pay for the electricity from its membership fees if the "
            "council provides the building, which could be a converted shipping container.",
        ),
    ),
    Article(
        slug="bus-lanes-budget",
        key="2026/11/bus-lanes-budget",
        section="Politics",
        title="Council budget: what the new bus lanes will cost",
        standfirst="Three new lanes, two new routes and a fare freeze, in one line of the budget.",
        author="Ines Varga",
        role="Transport reporter",
        published="16 November 2026",
        reading_minutes=3,
        paragraphs=(
            "The draft budget published on Friday sets aside \u20ac2.4 million for bus lanes "
            "on Harbour Road, the ring road and the bridge approach, to be built over two years.",
            "Fares stay frozen for a second year. The opposition says the freeze is paid for "
            "by postponing repairs to the old-town tram depot.",
            "Residents can comment on the draft until the end of December.",
        ),
    ),
)

ARTICLES = (FERRY, *OTHERS)


def article_by_slug(slug: str) -> Article | None:
    """The article at /demo/news/<slug>, if there is one."""
    return next((a for a in OTHERS if a.slug == slug), None)
