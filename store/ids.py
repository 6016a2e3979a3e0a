"""Opaque string ids over MongoDB ObjectIds."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def object_id(value: str | None) -> ObjectId | None:
    """The ObjectId for an id string, or None when it cannot be one (so it is never found)."""
    if value is None:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def new_id() -> str:
    return str(ObjectId())
