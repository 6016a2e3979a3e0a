"""Prefix search on a (multikey) index."""

from __future__ import annotations

from store.types import Document


def prefix_range(prefix: str) -> Document:
    """A range, not a regex: the embedded database's planner uses an index for a range only."""
    return {"$gte": prefix, "$lt": prefix + "\U0010ffff"}
