"""Akismet: the hosted spam filter behind most WordPress sites, through the ``akismet`` client.

Requests go to ``api_url`` (default DISCUSS_AKISMET_API_URL, https://rest.akismet.com):
the client's fixed address is rewritten by a small httpx transport, which is how tests
point it at a stand-in server. The client libraries load with the first use of the check,
so a site that does not use Akismet costs no memory for them. Any failure (timeout, refused
connection, HTTP error, an invalid key, an answer outside the protocol) holds the comment:
never publish unchecked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import Schema, fields, validate

from discuss.spam.base import CheckContext, Submission, Verdict, ham, spam, unsure
from discuss.spam.options import Flag, Number

if TYPE_CHECKING:
    import akismet

log = logging.getLogger(__name__)

PRODUCTION_API = "https://rest.akismet.com"


class AkismetOptions(Schema):
    """Options of the akismet check."""

    key = fields.String(load_default=None, allow_none=True,
                        metadata={"description": "API key; unset: DISCUSS_AKISMET_KEY"})
    blog_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                          require_tld=False,
                          metadata={"description": "the site's URL as registered with "
                                                   "Akismet; unset: the site's first origin"})
    api_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                         require_tld=False,
                         metadata={"description": "API base URL; unset: "
                                                  "DISCUSS_AKISMET_API_URL"})
    timeout = Number(load_default=2.0, validate=validate.Range(min=0.05, max=30),
                     metadata={"description": "seconds to wait for Akismet"})
    is_test = Flag(load_default=False,
                   metadata={"description": "mark requests as tests (Akismet does not learn)"})


class AkismetCheck:
    """Asks Akismet (comment-check) and reports moderators' corrections (submit-spam/ham)."""

    name: ClassVar[str] = "akismet"
    Options = AkismetOptions

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str, float], akismet.SyncClient] = {}
        self._lock = threading.Lock()

    @staticmethod
    def check_options(options: Mapping[str, Any], settings: Any) -> list[str]:
        """A key must come from the options or the operator's settings."""
        if not (options.get("key") or settings.akismet_key):
            return ["akismet needs a key: set the option key or DISCUSS_AKISMET_KEY."]
        return []

    @staticmethod
    def _blog(context: CheckContext) -> str:
        return context.option("blog_url") or next(iter(context.site.origins), "")

    def _client(self, context: CheckContext) -> akismet.SyncClient:
        import akismet

        from discuss.spam.checks.akismet_client import new_client

        settings = context.settings
        key = context.option("key", settings.akismet_key)
        blog = self._blog(context)
        if not key or not blog:
            raise akismet.ConfigurationError("no Akismet key or blog URL configured")
        base = context.option("api_url", settings.akismet_api_url) or PRODUCTION_API
        timeout = float(context.options.get("timeout") or 2.0)
        ident = (key, blog, base, timeout)
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                client = self._clients[ident] = new_client(key, blog, base, timeout)
            return client

    @staticmethod
    def _arguments(submission: Submission, context: CheckContext) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "comment_type": "reply" if submission.parent_id else "comment",
            "comment_content": submission.body,
            "comment_author": submission.author_name,
            "comment_author_email": submission.author_email,
            "comment_author_url": submission.author_url,
            "user_agent": submission.user_agent,
            "referrer": submission.referrer,
            "permalink": submission.thread_url,
            "blog_lang": context.site.language,
            "blog_charset": "UTF-8",
            "comment_date_gmt": (submission.created_at or context.now).isoformat(),
        }
        if context.options.get("is_test"):
            arguments["is_test"] = True
        return {k: v for k, v in arguments.items() if v not in (None, "")}

    def check(self, submission: Submission, context: CheckContext) -> Verdict:
        """comment-check: 'true' is spam (with pro-tip 'discard': blatant), 'false' is ham."""
        import akismet

        try:
            answer = self._client(context).comment_check(
                submission.ip or "", **self._arguments(submission, context))
        except akismet.APIKeyError:
            log.warning("akismet rejected the key for site %s", context.site.slug)
            return unsure("Akismet rejected the API key or blog URL (answer 'invalid')")
        except akismet.ConfigurationError as exc:
            return unsure(f"Akismet is not configured: {exc}")
        except akismet.RequestError as exc:
            log.warning("akismet unreachable for site %s: %s", context.site.slug, exc)
            return unsure(f"Akismet could not be asked: {exc}")
        except akismet.ProtocolError:
            log.warning("akismet answered outside the protocol for site %s", context.site.slug)
            return unsure("Akismet gave an answer outside its protocol")
        if answer is akismet.CheckResponse.DISCARD:
            return spam("Akismet: blatant spam (pro-tip: discard)", 1.0)
        if answer is akismet.CheckResponse.SPAM:
            return spam("Akismet: spam", 0.9)
        return ham("Akismet: not spam", 0.1)

    def feedback(self, submission: Submission, is_spam: bool, context: CheckContext) -> None:
        """Report Akismet's mistakes: missed spam (submit-spam) and false positives (submit-ham).

        What Akismet holds about a comment is what it was last taught, else its own verdict
        (none when it was switched on after the comment came in): a reversed decision is
        reported again, the other way."""
        record = context.record or {}
        believes_spam = record.get("taught", record.get("verdict")) == "spam"
        if is_spam == believes_spam:
            return
        client = self._client(context)
        arguments = self._arguments(submission, context)
        if is_spam:
            client.submit_spam(submission.ip or "", **arguments)
        else:
            client.submit_ham(submission.ip or "", **arguments)

    def verify(self, context: CheckContext) -> tuple[bool, str]:
        """verify-key: is the key valid for the blog URL?"""
        blog = self._blog(context)
        if self._client(context).verify_key():
            return True, f"Akismet key is valid for {blog}"
        return False, f"Akismet says the key is invalid for {blog}"
