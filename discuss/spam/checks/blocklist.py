"""Blocklist: a site's own list of words, patterns, addresses and names.

Like WordPress's "disallowed" and "moderation" keys, there are two lists: entries in
``spam`` mark a comment as spam, entries in ``hold`` send it to the moderation queue.
An entry is one of
- ``/pattern/``: a regular expression (case-insensitive) searched in every field; each search
  may take at most ``PATTERN_SECONDS`` (the ``regex`` package stops it, and lets other
  threads run meanwhile), so a pattern that backtracks without end on some comment holds
  that comment instead of keeping a check thread busy for ever;
- an IP address or network (``203.0.113.7``, ``198.51.100.0/24``): matches the poster's IP;
- anything else: case-insensitive text found anywhere in the body, name, email, website,
  IP or user agent (so ``casino`` also catches ``casinos``, and ``@spam.example`` an
  email domain).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import Schema, ValidationError, validates

from discuss.spam.base import CheckContext, Submission, Verdict, ham, spam, unsure
from discuss.spam.options import Words

if TYPE_CHECKING:
    import regex

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PATTERN_SECONDS = 0.2
log = logging.getLogger(__name__)


class PatternTooSlow(Exception):
    """A pattern's search ran out of time on one field of a comment."""

    def __init__(self, entry: str, field: str) -> None:
        super().__init__(f"{entry!r} took longer than {PATTERN_SECONDS} s on the {field}")
        self.entry = entry
        self.field = field


@dataclass(frozen=True)
class Rule:
    """One parsed entry of a list."""

    entry: str
    pattern: regex.Pattern | None = None
    network: Network | None = None

    def matches(self, submission: Submission, fields: list[tuple[str, str]]) -> str | None:
        """The name of the first field the rule matches, or None."""
        if self.network is not None:
            try:
                if submission.ip and ipaddress.ip_address(submission.ip) in self.network:
                    return "ip"
            except ValueError:
                return None
            return None
        for name, value in fields:
            if self.pattern is not None:
                try:
                    if self.pattern.search(value, concurrent=True, timeout=PATTERN_SECONDS):
                        return name
                except TimeoutError:
                    raise PatternTooSlow(self.entry, name) from None
            elif self.entry.lower() in value.lower():
                return name
        return None


def parse_rule(entry: str) -> Rule:
    """Turn one list entry into a rule; ValueError explains a bad one."""
    entry = entry.strip()
    if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
        # Loaded by the first pattern rather than by every worker: most sites have none,
        # and the module holds about a megabyte of a worker's memory.
        import regex

        try:
            return Rule(entry, pattern=regex.compile(entry[1:-1], regex.IGNORECASE))
        except regex.error as exc:
            raise ValueError(f"{entry!r} is not a valid regular expression: {exc}") from None
    if re.fullmatch(r"[0-9a-fA-F:.]+(/\d{1,3})?", entry) and any(c in entry for c in ".:"):
        try:
            return Rule(entry, network=ipaddress.ip_network(entry, strict=False))
        except ValueError:
            pass  # not an address after all, e.g. "3.14": plain text
    return Rule(entry)


def _problems(entries: Iterable[str]) -> list[str]:
    problems = []
    for entry in entries:
        try:
            parse_rule(entry)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


class BlocklistOptions(Schema):
    """Options of the blocklist check."""

    spam = Words(metadata={"description": "entries that mark a comment as spam"})
    hold = Words(metadata={"description": "entries that hold a comment for moderation"})

    @validates("spam")
    def _spam_entries(self, value: list[str], **kwargs: Any) -> None:
        if problems := _problems(value):
            raise ValidationError(problems)

    @validates("hold")
    def _hold_entries(self, value: list[str], **kwargs: Any) -> None:
        if problems := _problems(value):
            raise ValidationError(problems)


def _fields(submission: Submission) -> list[tuple[str, str]]:
    values = [("body", submission.body), ("name", submission.author_name),
              ("email", submission.author_email), ("website", submission.author_url),
              ("ip", submission.ip), ("user agent", submission.user_agent)]
    return [(name, value) for name, value in values if value]


class BlocklistCheck:
    """Marks spam or holds comments that match the site's lists."""

    name: ClassVar[str] = "blocklist"
    Options = BlocklistOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """The spam list wins over the hold list; the reason names entry and field."""
        values = _fields(submission)
        for list_name, verdict in (("spam", spam), ("hold", unsure)):
            for entry in context.options[list_name]:
                try:
                    field = parse_rule(entry).matches(submission, values)
                except PatternTooSlow as slow:
                    log.warning("blocklist pattern of site %s is too slow: %s",
                                context.site.slug, slow)
                    return unsure(f"{list_name} list entry {slow}; held until a moderator "
                                  "looks (the pattern needs simplifying)")
                if field:
                    return verdict(f"{field} matches {list_name} list entry {entry!r}")
        return ham("no list entry matches")
