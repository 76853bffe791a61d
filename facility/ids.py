"""Opaque ids (GraphQL ids and the ids in notices and exports): "<Type>:<primary key>" in URL-safe
base64, so clients never build them."""

from __future__ import annotations

import base64
import binascii

from facility.numbers import whole_number


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(type_name: str, opaque: str) -> int | None:
    """The primary key inside an id of this type, or None for anything else."""
    try:
        padded = opaque + "=" * (-len(opaque) % 4)
        kind, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return whole_number(pk) if kind == type_name else None
