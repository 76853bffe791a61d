"""Fixtures of the funds tests: the follow-up world (Kenya's engagement on Norad's offer, the
secretariat, a seated committee member), its clock, and the pages' browser and people."""

from __future__ import annotations

from tests.follow_up.conftest import clock, loop, recs  # noqa: F401  (re-exported fixtures)
from tests.pages.conftest import browser, person  # noqa: F401
