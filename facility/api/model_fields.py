"""GraphQL fields read straight off the model a strawberry type wraps.

Most types hold their SQLModel row as `model` (a private field) and expose some of its
attributes as they are. Instead of a resolver method per attribute,

    criteria_version = from_model("criteria_version", int)

declares the field where the method stood (so the schema keeps its field order), with its
GraphQL type and, as for any field, a description.
"""

from __future__ import annotations

from typing import Any

import strawberry


def from_model(attribute: str, graphql_type: Any, **field_options: Any) -> Any:
    """A strawberry field resolving to `root.model.<attribute>`, typed `graphql_type`."""
    def resolve(root: Any) -> Any:
        return getattr(root.model, attribute)

    # strawberry reads a resolver's type from its return annotation (evaluated here, not lazily).
    resolve.__annotations__ = {"return": graphql_type}
    resolve.__name__ = attribute
    return strawberry.field(resolver=resolve, **field_options)
