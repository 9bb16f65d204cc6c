"""Bayes: a text classifier that learns from this site's moderators.

Each moderator decision (spam, or approve/ham) is counted per word, link host and email
domain, in the database, per site. A new comment's spam probability combines its most
telling features with Fisher's method (as SpamBayes does), and only a confident score
marks spam; until it has seen ``min_decisions`` decisions the check has no effect.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar
from urllib.parse import urlsplit

from marshmallow import Schema, validate

from discuss.spam.base import CheckContext, Submission, Verdict, ham, iter_links, spam
from discuss.spam.options import Int, Number

_WORD = re.compile(r"[^\W_]{2,40}")
MAX_FEATURES = 200
MAX_CLUES = 150
UNKNOWN_STRENGTH = 1.0  # how much a rarely seen feature leans to "no idea"
MIN_STRENGTH = 0.1  # features closer than this to 0.5 say nothing
MIN_SPAM_CLUES = 3  # one or two known words never make spam on their own


class BayesOptions(Schema):
    """Options of the bayes check."""

    threshold = Number(load_default=0.9, validate=validate.Range(min=0.5, max=1.0),
                       metadata={"description": "spam probability at or above which it "
                                                "votes spam"})
    min_decisions = Int(load_default=20, validate=validate.Range(min=1),
                        metadata={"description": "no effect until this many moderator "
                                                 "decisions have been learned"})


def features(submission: Submission) -> list[str]:
    """Words of the body, plus the hosts it links to and the author's email domain."""
    found: dict[str, None] = {}
    for word in _WORD.findall(submission.body.lower()):
        found.setdefault(word[:64])
    for href in iter_links(submission.body_html):
        host = urlsplit(href.replace("&amp;", "&")).hostname
        if host:
            found.setdefault(f"link:{host}"[:64])
    if submission.author_url:
        host = urlsplit(submission.author_url).hostname
        if host:
            found.setdefault(f"site:{host}"[:64])
    if submission.author_email and "@" in submission.author_email:
        found.setdefault(f"email:{submission.author_email.rsplit('@', 1)[1]}"[:64])
    return list(found)[:MAX_FEATURES]


def _chi2_survival(chi2: float, dof: int) -> float:
    """P(X >= chi2) for a chi-squared variable with an even number of degrees of freedom."""
    m = chi2 / 2.0
    term = total = math.exp(-m)
    for i in range(1, dof // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def spam_probability(counts: dict[str, tuple[int, int]], spam_docs: int, ham_docs: int,
                     words: list[str]) -> tuple[float, list[str]]:
    """Fisher-combined probability that the document is spam, and its strongest clues."""
    clues: list[tuple[float, float, str]] = []
    for word in words:
        in_spam, in_ham = counts.get(word, (0, 0))
        seen = in_spam + in_ham
        if not seen:
            continue
        spam_ratio = in_spam / max(spam_docs, 1)
        ham_ratio = in_ham / max(ham_docs, 1)
        p = spam_ratio / (spam_ratio + ham_ratio)
        p = (UNKNOWN_STRENGTH * 0.5 + seen * p) / (UNKNOWN_STRENGTH + seen)
        p = min(0.99, max(0.01, p))
        if abs(p - 0.5) >= MIN_STRENGTH:
            clues.append((abs(p - 0.5), p, word))
    clues.sort(reverse=True)
    clues = clues[:MAX_CLUES]
    if not clues:
        return 0.5, []
    n = len(clues)
    hamminess = 1.0 - _chi2_survival(-2.0 * sum(math.log(p) for _, p, _ in clues), 2 * n)
    spamminess = 1.0 - _chi2_survival(-2.0 * sum(math.log(1.0 - p) for _, p, _ in clues), 2 * n)
    return (spamminess - hamminess + 1.0) / 2.0, [w for _, p, w in clues if p > 0.5]


class BayesCheck:
    """Marks spam when the learned word statistics are confident; learns from moderators."""

    name: ClassVar[str] = "bayes"
    Options = BayesOptions

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """Score the comment once enough decisions have been learned."""
        words = features(submission)
        counts = context.data.feature_counts(self.name, words)
        spam_docs, ham_docs = counts.pop("", (0, 0))
        needed = context.options["min_decisions"]
        if spam_docs + ham_docs < needed:
            return ham(f"still learning: {spam_docs + ham_docs} of {needed} decisions seen")
        score, clues = spam_probability(counts, spam_docs, ham_docs, words)
        threshold = context.options["threshold"]
        if score >= threshold and len(clues) < MIN_SPAM_CLUES:
            return ham(f"spam probability {score:.2f} from too few telling words "
                       f"({len(clues)} of {MIN_SPAM_CLUES})", round(score, 4))
        if score >= threshold:
            hint = f" ({', '.join(clues[:3])})" if clues else ""
            return spam(f"spam probability {score:.2f} ≥ {threshold:g}{hint}", round(score, 4))
        return ham(f"spam probability {score:.2f} < {threshold:g}", round(score, 4))

    def feedback(self, submission: Submission, is_spam: bool, context: CheckContext) -> None:
        """Count the decided comment's features as spam or ham; a reversed decision moves
        the document to the other side instead of counting it twice."""
        taught = (context.record or {}).get("taught")
        if taught == ("spam" if is_spam else "ham"):
            return
        words = features(submission)
        if taught in ("spam", "ham"):
            context.data.learn(self.name, words, taught == "spam", weight=-1)
        context.data.learn(self.name, words, is_spam)
