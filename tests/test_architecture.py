"""The layering of DESIGN.md holds: dependencies point down, and only web/ reads the request."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "discuss"
REQUEST_STATE = {"request", "session", "g", "flash"}


def test_import_layers_contract():
    lint_imports = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    result = subprocess.run([lint_imports], cwd=PACKAGE.parent, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_web_layer_touches_request_state():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "web" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {alias.name for alias in node.names} & REQUEST_STATE
                if names:
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {sorted(names)}")
    assert offenders == []


def test_nothing_imports_the_web_layer_from_below():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in {"web", "__init__.py", "cli.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("discuss.web"):
                offenders.append(str(relative))
    assert offenders == []


def test_no_view_or_hook_is_async(app):
    """``DiscussFlask.ensure_sync`` skips Flask's coroutine check: it must stay true."""
    import inspect
    from itertools import chain

    registered = chain(
        app.view_functions.values(),
        *app.before_request_funcs.values(), *app.after_request_funcs.values(),
        *app.teardown_request_funcs.values(), app.teardown_appcontext_funcs,
        *app.url_value_preprocessors.values(), *app.url_default_functions.values(),
        *app.template_context_processors.values(),
        [handler for codes in app.error_handler_spec.values()
         for classes in codes.values() for handler in classes.values()],
    )
    functions = list(registered)
    assert len(functions) > 50
    assert [f for f in functions if inspect.iscoroutinefunction(f)] == []
