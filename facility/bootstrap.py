"""Prepare a database for the product: its schema, its reference data and the criteria in force.

Above the core (facility.db knows only the schema): what `facility db upgrade`, the demo and the
tests run against a new or an existing database.
"""

from __future__ import annotations

from sqlalchemy import Engine

from facility.db import migrate, unit_of_work
from facility.reference.loader import load_reference_data
from governance.criteria import ensure_initial_criteria


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema, load or refresh the reference data, put the default criteria in force."""
    migrate(engine, revision)
    with unit_of_work(engine) as session:
        load_reference_data(session)
        ensure_initial_criteria(session)
