"""A browser test that fails leaves a screenshot of every page it had open under
test-output/browser/failed/ (kept as a CI artifact), so whoever reads the failure sees the page."""

from __future__ import annotations

import pytest

from tests.factories.browser import browser, live, new_page, sync_api  # noqa: F401  (the fixtures)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
