"""Fixtures of the programmes tests: the follow-up world (Kenya's active request, Norad, Sida,
Ghana, a seated committee member, the secretariat) and its clock."""

from __future__ import annotations

from tests.follow_up.conftest import clock, loop, recs  # noqa: F401  (re-exported fixtures)
from tests.pages.conftest import browser, new_browser, person  # noqa: F401
