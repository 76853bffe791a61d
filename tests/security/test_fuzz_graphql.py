"""schemathesis against the production endpoint, as each kind of caller, with a fixed seed.

The callers are the permission matrix's (tests/security/conftest.py): their world has requests,
offers, experts, motions, runs and proposals, so list queries and nested fields resolve on
real rows. The property is in tests/security/fuzzing.py; the larger run is bench/fuzz_graphql.py.
Examples are few on purpose (CI time); the seed makes every run try the same documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode

from tests.security.conftest import World, production_app
from tests.security.fuzzing import cases, check_response, send

SEED = 20261201
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 8}
CALLERS = ("anonymous", "STATE", "PARTNER", "SECRETARIAT")


@pytest.fixture
def production_http(world: World, _world_connection) -> Iterator[TestClient]:
    @contextmanager
    def open_session():
        yield world.session

    with TestClient(production_app(_world_connection, open_session)) as http:
        yield http


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
@pytest.mark.parametrize("caller", CALLERS)
def test_no_generated_document_faults_or_leaks(production_http, world, caller, mode):
    token = world.clients[caller].token

    @seed(SEED)
    @settings(max_examples=EXAMPLES[mode], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases(mode))
    def property_holds(case):
        check_response(case, send(production_http, case, token))

    property_holds()
