"""How the embedded database (SecantusDB) picks an index for a filter, modelled on the
indexes that store/indexes.py declares, so that a test can fail on a query that walks a
whole organization.

Its planner serves a filter in this order (secantus.storage `_try_index_id_keys`):
- `_id` alone: a point lookup;
- only equalities: an index whose leading fields are, as a set, the filter's fields;
- equalities and one operator field (`$eq`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`): an index
  whose leading fields are the equalities, then that field;
- one field: an index that starts with it;
- otherwise the first clause, in the filter's order, that one of those rules serves
  alone; the rest of the filter is checked document by document.
So `{org_id, user_id, kind}` with an index on (org_id, user_id, _id) is served by its
org_id clause: every document of the organization is read. A filter with a top-level
operator (`$or`, `$and`) reads the collection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from store.indexes import INDEXES

RANGE_OPERATORS = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte", "$in"})


@dataclass(frozen=True)
class Index:
    fields: tuple[str, ...]
    partial: frozenset[str]  # the fields of its partialFilterExpression


def declared_indexes(collection: str) -> list[Index]:
    indexes = []
    for model in INDEXES.get(collection, []):
        spec = model.document
        if any(direction not in (1, -1) for direction in spec["key"].values()):
            continue  # text, hashed, geo: no equality or range lookups
        indexes.append(
            Index(tuple(spec["key"]), frozenset(spec.get("partialFilterExpression") or ()))
        )
    return indexes


def _is_operator_clause(clause: Any) -> bool:
    return (
        isinstance(clause, Mapping) and bool(clause) and all(str(k).startswith("$") for k in clause)
    )


def _equalities(query: Mapping[str, Any], indexes: Sequence[Index]) -> bool:
    fields = set(query)
    for index in indexes:
        wanted = fields - index.partial if index.partial <= fields else None
        if wanted is None:
            continue
        if len(index.fields) >= len(wanted) and set(index.fields[: len(wanted)]) == wanted:
            return True
    return False


def _range(query: Mapping[str, Any], indexes: Sequence[Index]) -> bool:
    operators = [f for f, clause in query.items() if isinstance(clause, Mapping)]
    if len(operators) != 1 or len(query) < 2:
        return False
    (field,) = operators
    clause = query[field]
    if not _is_operator_clause(clause) or not set(clause) <= RANGE_OPERATORS:
        return False
    equal = set(query) - {field}
    return any(
        len(index.fields) > len(equal)
        and set(index.fields[: len(equal)]) == equal
        and index.fields[len(equal)] == field
        and index.partial <= set(query)
        for index in indexes
    )


def _single(field: str, clause: Any, indexes: Sequence[Index]) -> bool:
    if field == "_id":  # a point lookup; the _id index serves nothing else
        return not isinstance(clause, Mapping) or set(clause) <= {"$in", "$eq"}
    if isinstance(clause, Mapping) and clause and not _is_operator_clause(clause):
        return any(index.fields[0] == field for index in indexes)  # an embedded document
    return any(index.fields[0] == field and not index.partial for index in indexes)


def serving_clause(query: Mapping[str, Any], indexes: Sequence[Index]) -> str | None:
    """The field whose clause alone the planner serves `query` by, or None when one index
    serves the whole filter, or when no index serves any of it."""
    if not query or any(str(f).startswith("$") for f in query) or len(query) == 1:
        return None
    if all(not isinstance(c, Mapping) for c in query.values()) and _equalities(query, indexes):
        return None
    if _range(query, indexes):
        return None
    for field, clause in query.items():
        if _single(field, clause, indexes):
            return field
    return None


def walks_organization(collection: str, query: Mapping[str, Any]) -> bool:
    """Whether the planner serves a filter that says more than its organization by its
    org_id clause alone, reading every document of the organization."""
    return serving_clause(query, declared_indexes(collection)) == "org_id"


# Collections that hold a handful of documents per organization (a pool per product, a
# provider per identity provider, a link per department): reading them all is cheap.
FEW_PER_ORGANIZATION = frozenset({"licence_pools", "identity_providers", "signup_links"})
# Users that name a role or a reference entry, looked for when an admin renames, retires or
# removes it: rare, so the organization's users are read rather than an index per reference
# kept up on every user write (an index entry costs about 0.1 ms an insert here).
REFERENCE_SWEEPS = frozenset({"roles", "company_id", "job_profile_id", "permission_type_id"})
# SCIM filters reach any attribute; those identity providers look users up by have indexes
# of their own (org_*_scim), and a filter on any other reads the organization's users.
SCIM_LOOKUPS = frozenset({"email", "username_key", "external_id", "department_id"})
# Clauses no index can serve: a filter with one of them reads what its other clauses select.
UNINDEXABLE = frozenset({"$regex", "$type", "$exists", "$ne", "$nin", "$not", "$elemMatch"})


def _narrowable(clause: Any) -> bool:
    return not (isinstance(clause, Mapping) and set(clause) & UNINDEXABLE)


def scan_problem(collection: str, query: Mapping[str, Any]) -> str | None:
    """Why the embedded database would read far more than `query` selects, or None.

    - a top-level operator (`$or`, `$and`, `$expr`, `$nor`) in a filter of one organization
      or one document: the planner uses no index at all and reads every organization's;
    - a filter that says more than its organization, with clauses an index could serve,
      served by its org_id clause alone: every document of the organization is read."""
    scoped = "org_id" in query or "_id" in query
    operators = [f for f in query if str(f).startswith("$")]
    if operators and scoped:
        return f"{', '.join(operators)} at the top: the whole collection is read"
    if collection in FEW_PER_ORGANIZATION:
        return None
    if collection == "users" and "scim_deprovisioned" in query and not SCIM_LOOKUPS & set(query):
        return None
    if collection == "users" and len(query) == 2 and set(query) - {"org_id"} <= REFERENCE_SWEEPS:
        return None
    if not walks_organization(collection, query):
        return None
    if not all(_narrowable(clause) for clause in query.values()):
        return None
    return "served by its org_id clause alone: the whole organization is read"
