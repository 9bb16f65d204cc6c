"""Finding the spam checks, validating a site's check list, and passing on feedback.

Every check, built in or third party, is an entry point in the group ``discuss.spam_checks``.
They are loaded once per app in ``create_app``; a plugin that fails to load stops start-up
with a message naming its package, so a broken install never reaches the first comment.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from flask import Flask, current_app
from marshmallow import RAISE, Schema, ValidationError
from sqlalchemy.orm.attributes import flag_modified

from discuss.config import ConfigError
from discuss.errors import Invalid
from discuss.models import Comment, Site, SiteSnapshot, utcnow
from discuss.spam.base import CheckContext, CheckData, SiteFacts, Submission

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "discuss.spam_checks"
EXTENSION_KEY = "discuss.spam"
BUILT_IN = ("honeypot", "timing", "links", "blocklist", "duplicate", "first_time", "flood",
            "akismet", "bayes")
ENTRY_KEYS = frozenset({"name", "options", "trial"})

#: What ``discuss sites create`` and the demo site start with (see README "Spam checks").
DEFAULT_SITE_CHECKS: tuple[dict[str, Any], ...] = (
    {"name": "honeypot", "options": {}, "trial": False},
    {"name": "timing", "options": {}, "trial": False},
    {"name": "links", "options": {}, "trial": False},
    {"name": "duplicate", "options": {}, "trial": False},
    {"name": "flood", "options": {}, "trial": False},
)


class SpamPluginError(ConfigError):
    """A spam check plugin cannot be loaded; start-up stops and names the package."""


def default_site_checks() -> list[dict[str, Any]]:
    """A fresh copy of the checks a new site gets."""
    return [dict(entry, options=dict(entry["options"])) for entry in DEFAULT_SITE_CHECKS]


@dataclass
class LoadedCheck:
    """One installed check: the object, where it came from, and how its options look."""

    name: str
    check: Any
    package: str
    description: str = ""
    _loaded_options: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False,
                                                       compare=False)

    @property
    def options_schema(self) -> type[Schema] | None:
        """The marshmallow schema of the options, if the check takes any."""
        return getattr(self.check, "Options", None)

    @property
    def inline(self) -> bool:
        """Whether the check runs in the request's thread instead of the pool: only built-in
        checks that declare it; a third-party check always gets the pool and its time limit."""
        return self.name in BUILT_IN and getattr(self.check, "inline", False) is True

    @property
    def learns(self) -> bool:
        """Whether the check wants moderators' decisions."""
        return callable(getattr(self.check, "feedback", None))

    def load_options(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Options with defaults filled in; raises ValidationError for unknown or bad ones.

        Loaded options are remembered by their stored form: every comment loads the same
        few, and a marshmallow load costs more than most checks do.
        """
        schema_class = self.options_schema
        if schema_class is None:
            if raw:
                raise ValidationError({name: ["This check takes no options."] for name in raw})
            return {}
        if raw is not None and not isinstance(raw, Mapping):
            raise ValidationError(["Options must be an object."])
        try:  # most sites keep a check's defaults: no options to write out
            key = json.dumps(raw, sort_keys=True) if raw else ""
        except (TypeError, ValueError):
            key = None
        loaded = self._loaded_options.get(key) if key is not None else None
        if loaded is None:
            loaded = schema_class(unknown=RAISE).load(dict(raw or {}))
            if key is not None:
                if len(self._loaded_options) >= 256:
                    self._loaded_options.clear()
                self._loaded_options[key] = loaded
        return dict(loaded)  # checks read their options; a fresh dict keeps them apart

    def store_options(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The options as given (validated, JSON-ready); defaults stay implicit."""
        loaded = self.load_options(raw)
        schema_class = self.options_schema
        if schema_class is None:
            return {}
        dumped = schema_class().dump(loaded)
        return {key: dumped[key] for key in raw if key in dumped}


@dataclass
class SpamRegistry:
    """The checks of one app, and the means to run them (stored in ``app.extensions``)."""

    checks: dict[str, LoadedCheck]
    data_factory: Callable[[int], CheckData]
    workers: int = 8
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, name: str) -> LoadedCheck | None:
        """The installed check of this name, if any."""
        return self.checks.get(name)

    @property
    def names(self) -> list[str]:
        """Installed check names, sorted."""
        return sorted(self.checks)

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The bounded pool checks run in, so a hung check costs a thread, not a request."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="spam-check")
            return self._executor


def _package(entry: EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    return dist.name if dist is not None else f"(module {entry.module})"


def _shape_problem(check: Any, name: str) -> str | None:
    if not callable(getattr(check, "check", None)):
        return "has no check(submission, context) method"
    declared = getattr(check, "name", None)
    if declared != name:
        return f"declares name {declared!r} but is registered as {name!r}"
    options = getattr(check, "Options", None)
    if options is not None and not (isinstance(options, type) and issubclass(options, Schema)):
        return "has an Options attribute that is not a marshmallow Schema class"
    return None


def load_checks(entries: Iterable[EntryPoint] | None = None) -> dict[str, LoadedCheck]:
    """Load every check of the entry-point group; any failure names the package at fault."""
    found: dict[str, LoadedCheck] = {}
    for entry in entries if entries is not None else entry_points(group=ENTRY_POINT_GROUP):
        package = _package(entry)
        try:
            loaded = entry.load()
            check = loaded() if isinstance(loaded, type) else loaded
        except Exception as exc:  # any import or constructor error is a broken plugin
            raise SpamPluginError(
                f"spam check {entry.name!r} from package {package!r} failed to load "
                f"({entry.value}): {type(exc).__name__}: {exc}"
            ) from exc
        problem = _shape_problem(check, entry.name)
        if problem:
            raise SpamPluginError(f"spam check {entry.name!r} from package {package!r} {problem}")
        if entry.name in found:
            raise SpamPluginError(
                f"spam check {entry.name!r} is registered by both package "
                f"{found[entry.name].package!r} and package {package!r}"
            )
        doc = (getattr(check, "__doc__", None) or "").strip().splitlines()
        found[entry.name] = LoadedCheck(entry.name, check, package, doc[0] if doc else "")
    missing = [name for name in BUILT_IN if name not in found]
    if missing:
        raise SpamPluginError(
            f"the built-in spam checks {', '.join(missing)} are not registered: install the "
            "discuss package (pip install -e .) so its entry points exist"
        )
    return found


def init_spam(app: Flask, data_factory: Callable[[int], CheckData]) -> SpamRegistry:
    """Load the checks for ``app``; ``data_factory`` gives checks their data access."""
    settings = app.config["DISCUSS"]
    registry = SpamRegistry(load_checks(), data_factory, workers=settings.spam_check_workers)
    app.extensions[EXTENSION_KEY] = registry
    return registry


def current_registry() -> SpamRegistry:
    """The registry of the running app."""
    return current_app.extensions[EXTENSION_KEY]


def site_facts(site: Site | SiteSnapshot) -> SiteFacts:
    """A plain copy of what checks may know of the site."""
    return SiteFacts(
        id=site.id,
        slug=site.slug,
        moderation=site.moderation.value,
        origins=tuple(site.origins or ()),
        max_links=site.max_links,
        language=site.language,
    )


def make_context(site: Site, loaded: LoadedCheck, entry: Mapping[str, Any],
                 record: Mapping[str, Any] | None = None) -> CheckContext:
    """The context a check runs with on ``site``; ValidationError for bad stored options."""
    return CheckContext(
        site=site_facts(site),
        options=loaded.load_options(entry.get("options")),
        data=current_registry().data_factory(site.id),
        settings=current_app.config["DISCUSS"],
        now=utcnow(),
        trial=bool(entry.get("trial")),
        record=record,
    )


def _messages(error: ValidationError) -> dict[str, list[str]]:
    messages = error.messages
    if isinstance(messages, list):
        return {"": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        prefix = "" if key == "_schema" else str(key)
        if isinstance(value, dict):
            for sub, inner in _messages(ValidationError(value)).items():
                flat.setdefault(f"{prefix}.{sub}".strip("."), []).extend(inner)
        else:
            flat.setdefault(prefix, []).extend(str(m) for m in value)
    return flat


def option_problems(loaded: LoadedCheck, raw: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Field errors of one check's options ('' for the whole); empty when they are fine."""
    try:
        options = loaded.load_options(raw)
    except ValidationError as error:
        return _messages(error)
    extra = getattr(loaded.check, "check_options", None)
    if callable(extra):
        problems = extra(options, current_app.config["DISCUSS"])
        if problems:
            return {"": list(problems)}
    return {}


def validate_site_checks(checks: list[dict]) -> list[dict]:
    """Check a site's check list (names, options, trial) and return it cleaned for storage."""
    if not isinstance(checks, list):
        raise Invalid("The spam checks are not valid.", {"spam_checks": ["Must be a list."]})
    registry = current_registry()
    errors: dict[str, list[str]] = {}
    cleaned: list[dict] = []
    seen: set[str] = set()
    for index, entry in enumerate(checks):
        where = f"spam_checks[{index}]"
        if not isinstance(entry, dict):
            errors[where] = ["Must be an object with name, options and trial."]
            continue
        unknown = sorted(set(entry) - ENTRY_KEYS)
        if unknown:
            errors[where] = [f"Unknown field(s): {', '.join(unknown)}; use name, options, trial."]
        name = entry.get("name")
        loaded = registry.get(name) if isinstance(name, str) else None
        if loaded is None:
            known = ", ".join(registry.names)
            errors[f"{where}.name"] = [f"Unknown check {name!r}; installed checks: {known}."]
            continue
        if name in seen:
            errors[f"{where}.name"] = [f"The check {name!r} is listed twice."]
        seen.add(name)
        trial = entry.get("trial", False)
        if not isinstance(trial, bool):
            errors[f"{where}.trial"] = ["Must be true or false."]
        raw = entry.get("options") or {}
        if not isinstance(raw, dict):
            errors[f"{where}.options"] = ["Must be an object."]
            continue
        for key, messages in option_problems(loaded, raw).items():
            errors[f"{where}.options" + (f".{key}" if key else "")] = messages
        if not errors:
            cleaned.append({"name": name, "options": loaded.store_options(raw),
                            "trial": bool(trial)})
    if errors:
        raise Invalid("The spam checks are not valid.", errors)
    return cleaned


def submission_of(comment: Comment, site: Site) -> Submission:
    """Rebuild what a check saw from a stored comment (for feedback)."""
    thread = comment.thread
    return Submission(
        site_slug=site.slug,
        thread_key=thread.key,
        body=comment.body_source,
        body_html=comment.body_html,
        author_name=comment.author_name,
        author_email=comment.author_email,
        author_url=comment.author_url,
        ip=comment.author_ip,
        user_agent=comment.user_agent,
        parent_id=comment.parent_id,
        thread_id=comment.thread_id,
        body_hash=comment.body_hash,
        thread_url=thread.url,
        created_at=comment.created_at,
    )


def send_feedback(site: Site, comment: Comment, is_spam: bool) -> None:
    """Tell the site's learning checks what a moderator decided about ``comment``.

    Each check's feedback runs in a savepoint and any failure is logged and skipped, so a
    broken or unreachable check never undoes the moderator's decision.
    """
    registry = current_registry()
    submission = submission_of(comment, site)
    records = {r.get("check"): r for r in (comment.checks or []) if isinstance(r, dict)}
    taught = "spam" if is_spam else "ham"
    for entry in site.spam_checks or []:
        name = entry.get("name") if isinstance(entry, dict) else None
        loaded = registry.get(name) if isinstance(name, str) else None
        if loaded is None or not loaded.learns:
            continue
        try:
            context = make_context(site, loaded, entry, records.get(name))
            with context.data.isolated():
                loaded.check.feedback(submission, is_spam, context)
        except Exception:  # isolation: one check's trouble must not undo the decision
            log.exception("spam check %s: feedback on comment %s failed", name, comment.id)
            continue
        record = records.get(name)
        if record is None:  # the check came after the comment: remember what it was told
            comment.checks = [*(comment.checks or []), {"check": name, "taught": taught}]
        elif record.get("taught") != taught:
            record["taught"] = taught  # what this check was last told, for a reversal
            flag_modified(comment, "checks")
