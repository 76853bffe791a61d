"""The needs tests reuse the follow-up tests' engagement between Kenya and Norad."""

from tests.api.conftest import recs  # noqa: F401  (re-exported fixture)
from tests.follow_up.conftest import clock, loop  # noqa: F401  (re-exported fixtures)
from tests.pages.conftest import browser, person  # noqa: F401  (re-exported fixtures)
