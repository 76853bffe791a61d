"""Fixtures for the matching tests (builders live in matching_builders.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from matching_builders import OPTIMA, example_doc


@pytest.fixture(scope="session")
def example_docs() -> dict[str, dict[str, Any]]:
    return {name: example_doc(name) for name in OPTIMA}


@pytest.fixture
def tiny_doc(example_docs) -> dict[str, Any]:
    return copy.deepcopy(example_docs["tiny"])
