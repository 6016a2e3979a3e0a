"""Prefix search on a (multikey) index.

A range on an array field is met by any element for each bound (one term >= the low
bound, another < the high one), so a list search over several terms cannot be a range.
Each document stores, beside its `search_terms`, every prefix of every term up to
PREFIX_LENGTH characters (`search_prefixes`), and a search is an equality on that array,
which one term must meet. A longer search is checked against the whole terms by the store
(has_term_starting), as are other filters the embedded planner cannot take with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from store.types import Document

PREFIX_LENGTH = 24
_BACKFILL_BATCH = 1000


def prefix_range(prefix: str) -> Document:
    """A range, not a regex: the embedded database's planner uses an index for a range only.

    Exact only on a single-valued field (SCIM's `sw`); arrays are searched by prefix_match."""
    return {"$gte": prefix, "$lt": prefix + "\U0010ffff"}


def search_prefixes(terms: Iterable[str]) -> list[str]:
    """Every prefix (1 to PREFIX_LENGTH characters) of every term, once, sorted."""
    found = {term[:n] for term in terms for n in range(1, min(len(term), PREFIX_LENGTH) + 1)}
    return sorted(found)


def prefix_match(prefix: str) -> Document:
    """The query field of a prefix search: an equality on `search_prefixes`, which an
    index serves. A longer prefix also needs has_term_starting (applied by the store: the
    embedded database's planner scans the collection for any field outside an index)."""
    return {"search_prefixes": prefix[:PREFIX_LENGTH]}


def has_term_starting(doc: Document, prefix: str) -> bool:
    """Whether one of the document's search terms starts with the whole prefix."""
    return any(term.startswith(prefix) for term in doc.get("search_terms") or ())


async def filtered_page(
    collection: AsyncCollection[Document],
    query: Document,
    keep: Callable[[Document], bool],
    limit: int,
) -> list[Document]:
    """The first `limit` documents of the query, in _id order, that `keep` accepts: the
    query is what an index answers, `keep` the rest of the filter."""
    found: list[Document] = []
    if limit <= 0:
        return found
    cursor = collection.find(query).sort("_id", 1).batch_size(max(limit, 100))
    try:
        async for doc in cursor:
            if keep(doc):
                found.append(doc)
                if len(found) >= limit:
                    break
    finally:
        await cursor.close()
    return found


async def filtered_count(
    collection: AsyncCollection[Document],
    query: Document,
    keep: Callable[[Document], bool],
    fields: Iterable[str],
) -> int:
    projection = {name: 1 for name in fields}
    return sum([1 async for doc in collection.find(query, projection) if keep(doc)])


async def backfill_prefixes(collection: AsyncCollection[Document]) -> int:
    """Gives every document stored before `search_prefixes` existed its prefixes; run at
    start-up after the indexes are ensured, idempotent. Returns how many it updated."""
    cursor = collection.find(
        {"search_prefixes": {"$exists": False}, "search_terms": {"$exists": True}},
        {"_id": 1, "search_terms": 1},
    )
    batch: list[UpdateOne] = []
    updated = 0
    async for doc in cursor:
        batch.append(
            UpdateOne(
                {"_id": doc["_id"], "search_prefixes": {"$exists": False}},
                {"$set": {"search_prefixes": search_prefixes(doc.get("search_terms") or [])}},
            )
        )
        if len(batch) >= _BACKFILL_BATCH:
            updated += (await collection.bulk_write(batch, ordered=False)).modified_count
            batch = []
    if batch:
        updated += (await collection.bulk_write(batch, ordered=False)).modified_count
    return updated
