"""Browser fixtures for the security tests: the suite's one headless Chromium (Playwright's sync
API allows one instance per process, so every browser test shares it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.widget_browser import chromium_available, shared_browser


def _require_chromium() -> None:
    """Missing Chromium fails under CI and skips (loudly) elsewhere, as the suite's rule says."""
    if chromium_available():
        return
    if os.environ.get("DISCUSS_TEST_REQUIRE_SERVICES"):
        pytest.fail("Chromium is not available, and CI requires it")
    pytest.skip("Chromium is not available")


@pytest.fixture
def chromium() -> Any:
    """The process's shared headless Chromium (the machine's, never a downloaded one)."""
    _require_chromium()
    return shared_browser()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh page in its own context (no shared cookies or storage between tests)."""
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()
