"""Browser fixtures for the security tests: headless Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _require_chromium() -> None:
    """Missing Chromium fails under CI and skips (loudly) elsewhere, as the suite's rule says."""
    if os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("DISCUSS_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"Chromium is not available at {CHROMIUM}, and CI requires it")
    pytest.skip(f"Chromium is not available at {CHROMIUM}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole run (the machine's, never a downloaded one)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page in its own context (no shared cookies or storage between tests)."""
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()
