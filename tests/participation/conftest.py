from datetime import date

import pytest

from hack.participation import periods

# The browser tests' fixtures (Debian's Chromium, one context per visitor).
from tests.browser.conftest import (  # noqa: F401
    _allow_async_unsafe,
    browser,
    browser_problems,
    new_context,
)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Set today's date in Yokohama: `today(date(2025, 6, 1))`. By default the
    tests run on 27 November 2026 (fiscal year 2026, after the four initial
    periods), whatever the machine's clock says."""

    def set_today(day: date) -> date:
        monkeypatch.setattr(periods, "city_today", lambda: day)
        return day

    set_today(date(2026, 11, 27))
    return set_today
