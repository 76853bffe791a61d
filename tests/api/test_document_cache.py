"""Documents are validated once per process; the limits still refuse a bad document every time."""

from __future__ import annotations

import uuid

import pytest
import strawberry.schema.schema as strawberry_schema

from facility.api import document_cache


@pytest.fixture
def validations(monkeypatch) -> list[int]:
    """Counts graphql-core validation runs made by strawberry."""
    runs: list[int] = []
    real = strawberry_schema.validate

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    return runs


def test_a_document_that_passed_is_not_validated_again(gql, make_token, validations):
    client = gql.as_(make_token("STATE", state="KEN"))
    document = f"query Mine_{uuid.uuid4().hex} {{ me {{ role state {{ code }} }} }}"
    first, second = client(document), client(document)
    assert first == second == {"me": {"role": "STATE", "state": {"code": "KEN"}}}
    assert len(validations) == 1


def test_a_refused_document_is_refused_every_time(gql, validations):
    too_many_aliases = "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(31)) + " }"
    for _ in range(3):
        body = gql.post(too_many_aliases).json()
        assert body["data"] is None and "aliases" in body["errors"][0]["message"]
    assert len(validations) == 3  # never remembered


def test_the_cache_is_bounded():
    small = document_cache._ValidDocuments(maxsize=3)
    for n in range(5):
        small.add((1, f"query Q{n} {{ me {{ role }} }}", ()))
    assert len(small) == 3
    assert (1, "query Q0 { me { role } }", ()) not in small
    assert (1, "query Q4 { me { role } }", ()) in small
