"""The widget's strings: one JSON file per language, shared by embed.js and the no-JS page."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "i18n"
DEFAULT = "en"


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The language codes that have a strings file, sorted."""
    return tuple(sorted(path.stem for path in FOLDER.glob("*.json")))


@lru_cache(maxsize=16)
def strings(lang: str) -> dict[str, object]:
    """The strings of one language, English filling any gap."""
    if lang not in languages():
        raise KeyError(lang)
    loaded = json.loads((FOLDER / f"{lang}.json").read_text("utf-8"))
    if lang == DEFAULT:
        return loaded
    return {**strings(DEFAULT), **loaded}


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates ("de-AT" counts as "de")."""
    for candidate in candidates:
        short = (candidate or "").lower().replace("_", "-").split("-")[0]
        if short in languages():
            return short
    return DEFAULT


def plural_category(lang: str, n: int) -> str:
    """CLDR plural category of ``n`` for the shipped languages (what Intl.PluralRules says)."""
    if lang in {"uk", "pl"}:
        if n % 10 == 1 and n % 100 != 11 and (lang != "pl" or n == 1):
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


class Translator:
    """``t(key, **vars)`` for templates: plural forms chosen by ``n``, ``{name}`` filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._strings = strings(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key, key)
        if isinstance(text, dict):
            count = int(values.get("n", 0))  # type: ignore[arg-type]
            text = text.get(plural_category(self.lang, count), text["other"])
        for name, value in values.items():
            text = str(text).replace("{" + name + "}", str(value))
        return str(text)
