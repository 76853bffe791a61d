"""Fixtures of the library tests: the follow-up world (Kenya's engagement on Norad's offer,
Ghana, Sida, a seated committee member, the secretariat), its clock, and a storage folder."""

from __future__ import annotations

import pytest

from facility.library.storage import LocalStorage
from tests.follow_up.conftest import clock, loop, recs  # noqa: F401  (re-exported fixtures)


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")
from tests.pages.conftest import browser, new_browser, person  # noqa: E402, F401
