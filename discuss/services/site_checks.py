"""A site's spam checks: which run, with which options, on trial or acting."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from marshmallow import ValidationError, fields, missing, validate

from discuss.errors import Invalid, NotFound
from discuss.extensions import db
from discuss.services.sites import find_site_snapshot, get_site
from discuss.spam.checks.flood import FloodCheck, FloodRule, flood_rule
from discuss.spam.registry import (
    current_registry,
    default_site_checks,
    make_context,
    validate_site_checks,
)


@dataclass(frozen=True)
class ChecksChange:
    """An edit of a site's check list; applied in the order of the fields."""

    replace: list[dict[str, Any]] | None = None
    defaults: bool = False
    enable: tuple[str, ...] = ()
    trial: tuple[str, ...] = ()
    act: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    set_options: tuple[tuple[str, str, Any], ...] = ()
    unset_options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OptionInfo:
    """One option of an installed check, for listings."""

    name: str
    kind: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()  # the only values allowed, when the option says so


@dataclass(frozen=True)
class CheckInfo:
    """An installed check, for listings."""

    name: str
    package: str
    description: str
    learns: bool
    options: list[OptionInfo] = field(default_factory=list)


_KINDS = ((fields.Boolean, "true/false"), (fields.Integer, "integer"), (fields.Float, "number"),
          (fields.List, "list of text"), (fields.Url, "URL"), (fields.String, "text"))


def _kind(spec: fields.Field) -> str:
    return next((name for kind, name in _KINDS if isinstance(spec, kind)), type(spec).__name__)


def _choices(spec: fields.Field) -> tuple[str, ...]:
    one_of = next((v for v in spec.validators if isinstance(v, validate.OneOf)), None)
    return tuple(str(choice) for choice in one_of.choices) if one_of is not None else ()


def site_checks(slug: str) -> list[dict[str, Any]]:
    """The site's check list as stored."""
    return copy.deepcopy(get_site(slug).spam_checks or [])


def _not_enabled(slug: str, name: str) -> Invalid:
    return Invalid(f"The check {name!r} is not enabled on {slug}.",
                   {"spam_checks": [f"{name!r} is not enabled; enable it first."]})


def configure_site_checks(slug: str, change: ChecksChange) -> list[dict[str, Any]]:
    """Apply ``change`` to the site's checks, validate the result, store and return it."""
    site = get_site(slug)
    if change.replace is not None:
        entries = copy.deepcopy(change.replace)
    elif change.defaults:
        entries = default_site_checks()
    else:
        entries = copy.deepcopy(site.spam_checks or [])
    if not isinstance(entries, list):
        raise Invalid("The spam checks are not valid.", {"spam_checks": ["Must be a list."]})

    def find(name: str) -> dict[str, Any] | None:
        return next((e for e in entries if isinstance(e, dict) and e.get("name") == name), None)

    for name, trial in [(n, False) for n in change.enable] + [(n, True) for n in change.trial]:
        entry = find(name)
        if entry is None:
            entries.append({"name": name, "options": {}, "trial": trial})
        elif trial:
            entry["trial"] = True
    for name in change.act:
        entry = find(name)
        if entry is None:
            raise _not_enabled(slug, name)
        entry["trial"] = False
    for name in change.disable:
        entry = find(name)
        if entry is None:
            raise _not_enabled(slug, name)
        entries.remove(entry)
    for name, option, value in change.set_options:
        entry = find(name)
        if entry is None:
            raise _not_enabled(slug, name)
        entry.setdefault("options", {})[option] = value
    for name, option in change.unset_options:
        entry = find(name)
        if entry is None:
            raise _not_enabled(slug, name)
        (entry.get("options") or {}).pop(option, None)

    cleaned = validate_site_checks(entries)
    site.spam_checks = cleaned
    site.settings_version = (site.settings_version or 0) + 1
    db.session.commit()
    return copy.deepcopy(cleaned)


def installed_checks() -> list[CheckInfo]:
    """Every check this installation offers, with its options and their defaults."""
    infos = []
    for name in current_registry().names:
        loaded = current_registry().get(name)
        assert loaded is not None
        options = []
        schema_class = loaded.options_schema
        if schema_class is not None:
            for option, spec in schema_class().fields.items():
                default = spec.load_default
                default = default() if callable(default) else default
                if default is missing:
                    default = "(required)"
                options.append(OptionInfo(option, _kind(spec), default,
                                          str(spec.metadata.get("description", "")),
                                          _choices(spec)))
        infos.append(CheckInfo(name, loaded.package, loaded.description, loaded.learns, options))
    return infos


def verify_site_checks(slug: str) -> list[tuple[str, bool, str]]:
    """Ask each enabled check that calls a service whether its setup works (name, ok, why)."""
    site = get_site(slug)
    results = []
    for entry in site.spam_checks or []:
        loaded = current_registry().get(entry.get("name", ""))
        verify = getattr(loaded.check, "verify", None) if loaded else None
        if loaded is None or not callable(verify):
            continue
        try:
            ok, message = verify(make_context(site, loaded, entry))
        except ValidationError as error:
            ok, message = False, f"invalid options: {error.messages}"
        except Exception as exc:  # a verification that breaks is an answer too
            ok, message = False, f"{type(exc).__name__}: {exc}"
        results.append((loaded.name, ok, message))
    if not results:
        raise NotFound(f"No enabled check on {slug} can be verified.")
    return results


def flood_rule_for(slug: str) -> FloodRule | None:
    """The flood limit the comment endpoints enforce for a site (None: no limit)."""
    site = find_site_snapshot(slug)
    if site is None:
        return None
    loaded = current_registry().get(FloodCheck.name)
    return flood_rule(site.spam_checks, current_app.config["DISCUSS"], loaded.load_options)
