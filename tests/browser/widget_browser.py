"""One headless Chromium per test process, shared by the widget's browser tests.

Kept in a plain module (not a conftest) so the browser starts once, on first use, and is
closed when the process ends.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
_state: dict[str, Any] = {}


def chromium_available() -> bool:
    """Whether the Debian Chromium the suite drives is installed."""
    return os.access(CHROMIUM, os.X_OK)


def shared_browser() -> Any:
    """The process's browser, launched on first use."""
    if "browser" not in _state:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _state["playwright"] = playwright
        _state["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        atexit.register(_close)
    return _state["browser"]


def _close() -> None:
    browser, playwright = _state.pop("browser", None), _state.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()


@contextmanager
def browser_page(**context_options: Any) -> Iterator[Any]:
    """A fresh page in a fresh context; records dialogs and script errors on the page."""
    context = shared_browser().new_context(**context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.dialogs = []
    page.errors = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


class HostPage:
    """A news site on another origin: serves ``html`` at every path, on 127.0.0.1."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every page, e.g. a strict CSP
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def _app(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        html = self.pages.get(request.path)
        response = Response(html or "not here", status=200 if html else 404,
                            mimetype="text/html", headers=self.headers)
        return response(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def require_chromium() -> None:
    """Fail under CI, skip elsewhere, when Chromium is missing (as conftest.require_service)."""
    if chromium_available():
        return
    if os.environ.get("DISCUSS_TEST_REQUIRE_SERVICES"):
        pytest.fail("Chromium is not available on this machine, and CI requires it")
    pytest.skip("Chromium is not available on this machine")
