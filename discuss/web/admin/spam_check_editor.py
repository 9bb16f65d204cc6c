"""The spam checks of a site as form fields: one box per installed check, an input per option.

Each option is shown by its kind (a number, a checkbox, one entry per line, a choice, text),
read back into the JSON list the API and the command line take, and validated by the same
service; an error lands beside the input it concerns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from discuss.services.site_checks import CheckInfo, OptionInfo, installed_checks
from discuss.spam.options import option_from_text

MARKER = "checks-editor"  # present when the form carried the editor
_ERROR_KEY = re.compile(r"^spam_checks\[(\d+)\](?:\.(name|trial|options)(?:\.(\w+))?)?$")


def _input_name(check: str, option: str | None = None) -> str:
    return f"check.{check}.{option}" if option else f"check.{check}"


@dataclass
class OptionInput:
    """One option's input: its kind decides the widget."""

    info: OptionInfo
    input_name: str
    value: Any = ""
    errors: list[str] = field(default_factory=list)

    @property
    def widget(self) -> str:
        if self.info.choices:
            return "choice"
        return {"integer": "integer", "number": "number", "true/false": "flag",
                "list of text": "lines"}.get(self.info.kind, "text")

    def shown(self, stored: Any) -> Any:
        """The stored value as the widget shows it."""
        if self.widget == "flag":
            return bool(self.info.default if stored is None else stored)
        if stored is None:
            return ""
        if self.widget == "lines":
            return "\n".join(str(item) for item in stored)
        if self.widget == "text" and not isinstance(stored, str):
            return json.dumps(stored, ensure_ascii=False)
        return str(stored)

    def read(self, form: MultiDict) -> tuple[bool, Any]:
        """(whether the option is set, its value) from the posted form; keeps what was typed.

        Text that is no number is passed on as it is, so the check's own validation
        names the problem beside the input."""
        raw = form.get(self.input_name, "")
        widget = self.widget
        if widget == "flag":
            self.value = raw == "on"
            return self.value != bool(self.info.default), self.value
        self.value = raw
        text = raw.strip()
        if not text:
            return False, None
        if widget == "lines":
            return True, [line.strip() for line in text.splitlines() if line.strip()]
        if widget in ("integer", "number"):
            try:
                if widget == "number" and any(c in text for c in ".eE"):
                    return True, float(text)
                return True, int(text)
            except ValueError:  # not a number (or one of thousands of digits): said beside it
                return True, text
        if widget == "choice":
            return True, text
        return True, option_from_text(text) if self.info.kind not in ("text", "URL") else text


@dataclass
class CheckBox:
    """One installed check: whether it runs, on trial or acting, and its options."""

    info: CheckInfo
    enabled: bool = False
    trial: bool = False
    inputs: list[OptionInput] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def input_name(self) -> str:
        return _input_name(self.info.name)

    @property
    def has_errors(self) -> bool:
        """Whether the check itself or any of its options was refused."""
        return bool(self.errors) or any(i.errors for i in self.inputs)


def editor_for(stored: list[dict[str, Any]]) -> list[CheckBox]:
    """The editor showing a site's stored checks: a box per installed check, the enabled
    ones first in their stored order."""
    by_name = {entry.get("name"): entry for entry in stored if isinstance(entry, dict)}
    order = [entry.get("name") for entry in stored if isinstance(entry, dict)]
    infos = sorted(installed_checks(), key=lambda info: (
        order.index(info.name) if info.name in order else len(order), info.name))
    boxes = []
    for info in infos:
        entry = by_name.get(info.name)
        options = (entry or {}).get("options") or {}
        box = CheckBox(info, enabled=entry is not None, trial=bool((entry or {}).get("trial")))
        for option in info.options:
            field_input = OptionInput(option, _input_name(info.name, option.name))
            field_input.value = field_input.shown(options.get(option.name))
            box.inputs.append(field_input)
        boxes.append(box)
    return boxes


def read_editor(form: MultiDict, stored: list[dict[str, Any]]
                ) -> tuple[list[dict], list[CheckBox], list[str]]:
    """The check list the form asks for (enabled checks keep their place; newly enabled ones
    follow), the editor showing what was typed, and the stored checks that are no longer
    installed (they cannot run nor be validated, so saving drops them)."""
    boxes = editor_for(stored)
    installed = {box.info.name for box in boxes}
    wanted: list[dict[str, Any]] = []
    for box in boxes:
        box.enabled = form.get(f"{box.input_name}.enabled") == "on"
        box.trial = form.get(f"{box.input_name}.trial") == "on"
        options = {}
        for option_input in box.inputs:
            is_set, value = option_input.read(form)
            if is_set:
                options[option_input.info.name] = value
        if box.enabled:
            wanted.append({"name": box.info.name, "options": options, "trial": box.trial})
    gone = [str(entry.get("name")) for entry in stored
            if isinstance(entry, dict) and entry.get("name") not in installed]
    return wanted, boxes, gone


def place_errors(boxes: list[CheckBox], submitted: list[dict[str, Any]],
                 errors: dict[str, list[str]]) -> list[str]:
    """Put the service's ``spam_checks[i]…`` errors beside their inputs; the rest is returned."""
    by_name = {box.info.name: box for box in boxes}
    elsewhere: list[str] = []
    for key, messages in errors.items():
        match = _ERROR_KEY.match(key)
        index = int(match.group(1)) if match else -1
        name = submitted[index].get("name") if 0 <= index < len(submitted) else None
        box = by_name.get(name) if isinstance(name, str) else None
        if box is None:
            elsewhere.extend(f"{key}: {m}" for m in messages)
            continue
        option = match.group(3) if match else None
        target = next((i for i in box.inputs if i.info.name == option), None)
        (target.errors if target is not None else box.errors).extend(messages)
    return elsewhere
