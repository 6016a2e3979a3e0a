"""SCIM filters (RFC 7644 §3.4.2.2) on Users, translated to MongoDB queries.

scim2-models parses the filter; this walks its syntax tree. Supported:

- userName (eq ne co sw ew pr): the user's username, or their email when they have no
  username (see provisioning/scim/user_resources.py for the userName rule); case-insensitive
- emails, emails.value, emails[...] (eq ne co sw ew pr; emails.type eq "work")
- externalId (case-exact), id (eq ne), active (eq ne)
- name.givenName, name.familyName (case-insensitive)
- meta.created, meta.lastModified (eq gt ge lt le)
- and, or, not, parentheses

Anything else is an InvalidFilter, which the edge answers with 400 invalidFilter.
Equality and `sw` on email and userName use the (org, email) and (org, username_key)
indexes; `sw` is a range, not a regex, because the embedded database's planner only
uses an index for a range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from provisioning.users.write import DISABLED
from store.ids import object_id
from store.prefix import prefix_range
from store.types import Document

MAX_FILTER_LENGTH = 2000
_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
_CORE = "urn:ietf:params:scim:schemas:core:2.0:user"
_NOTHING: Document = {"_id": {"$exists": False}}
_STRING: Document = {"$type": "string"}


class InvalidFilter(Exception):
    """The filter cannot be parsed, or names something this service does not filter on."""


class InvalidSort(Exception):
    """sortBy names an attribute this service does not sort on, or sortOrder is unknown."""


def parse_filter(text: str) -> FilterNode:
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        return ScimFilter(text).ast
    except (InvalidFilterException, ValueError) as error:
        raise InvalidFilter(f"The filter cannot be parsed: {error}") from error


def users_query(text: str | None) -> Document:
    """The MongoDB query (without the organization, which the store adds) for a filter."""
    if text is None or not text.strip():
        return {}
    return _node(parse_filter(text))


def _all_of(terms: list[Document]) -> Document:
    """Terms joined by and, merged into one document where their fields do not collide:
    the embedded database's planner uses an index only for plain field conditions, so
    emails[type eq "work"].value eq "x" must become {"email": "x"}, not an $and."""
    merged: Document = {}
    rest: list[Document] = []
    for term in terms:
        if any(key.startswith("$") for key in term):
            rest.append(term)
            continue
        for key, value in term.items():
            if key not in merged:
                merged[key] = value
            elif merged[key] == _STRING and isinstance(value, str):
                merged[key] = value  # an equal string is a string
            elif not (value == _STRING and isinstance(merged[key], str)):
                rest.append({key: value})
    if not rest:
        return merged
    return {"$and": [merged, *rest]} if merged else {"$and": rest}


def _node(node: FilterNode) -> Document:
    if isinstance(node, LogicalExpr):
        terms = [_node(term) for term in node.terms]
        return _all_of(terms) if node.op == LogicalOperator.and_ else {"$or": terms}
    if isinstance(node, Not):
        return {"$nor": [_node(node.expr)]}
    if isinstance(node, Present):
        return _present(node.attr_path)
    if isinstance(node, Comparison):
        return _comparison(node.attr_path, node.op, node.value)
    if isinstance(node, ValuePath):
        if _name(node.attr_path) != "emails":
            raise InvalidFilter(f"Filtering inside {node.attr_path} is not supported.")
        return _email_entry(node.val_filter)
    raise InvalidFilter(f"Unsupported filter expression: {node}.")


def _name(path: AttrPath) -> str:
    """The attribute's name, lower case, with the core schema URN dropped."""
    uri = (path.uri or "").lower()
    if uri and uri != _CORE:
        prefix = "enterprise:" if uri == _ENTERPRISE else f"{uri}:"
        base = prefix + path.attr.lower()
    else:
        base = path.attr.lower()
    return f"{base}.{path.sub_attr.lower()}" if path.sub_attr else base


def _email_entry(node: FilterNode) -> Document:
    """A filter inside emails[...]: on value and type of Roster's one (work) email."""
    if isinstance(node, LogicalExpr):
        terms = [_email_entry(term) for term in node.terms]
        return _all_of(terms) if node.op == LogicalOperator.and_ else {"$or": terms}
    if isinstance(node, Not):
        return {"$nor": [_email_entry(node.expr)]}
    if isinstance(node, Present | Comparison):
        sub = node.attr_path.attr.lower()
        if node.attr_path.sub_attr or node.attr_path.uri or sub not in ("value", "type"):
            raise InvalidFilter(f"emails[...] can filter on value and type, not {node}.")
        path = AttrPath(attr="emails", sub_attr=sub)
        if isinstance(node, Present):
            return _present(path)
        return _comparison(path, node.op, node.value)
    raise InvalidFilter(f"Unsupported filter expression inside emails[...]: {node}.")


def _present(path: AttrPath) -> Document:
    name = _name(path)
    if name in ("username", "name", "name.givenname", "name.familyname", "id", "active"):
        return {}  # every Roster user has these
    if name in ("meta", "meta.created", "meta.lastmodified"):
        return {}
    if name in ("emails", "emails.value", "emails.type"):
        return {"email": _STRING}
    if name == "externalid":
        return {"external_id": _STRING}
    raise InvalidFilter(f"Filtering on {path} is not supported.")


def _comparison(path: AttrPath, op: CompareOperator, value: Any) -> Document:
    name = _name(path)
    if name in ("emails", "emails.value"):
        return _string_match("email", op, _text(path, value).lower())
    if name == "emails.type":
        kind = _text(path, value).lower()
        return _truth(op, kind == "work", {"email": _STRING})
    if name == "username":
        return _user_name(op, _text(path, value).lower())
    if name == "externalid":
        return _string_match("external_id", op, _text(path, value), case_exact=True)
    if name == "name.givenname":
        return _string_match("first_name", op, _text(path, value), exact_field=False)
    if name == "name.familyname":
        return _string_match("last_name", op, _text(path, value), exact_field=False)
    if name == "id":
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilter("id supports eq and ne only.")
        oid = object_id(_text(path, value))
        matched = {"_id": oid} if oid is not None else _NOTHING
        return matched if op == CompareOperator.eq else {"$nor": [matched]}
    if name == "active":
        if not isinstance(value, bool) or op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilter("active compares with eq or ne to true or false.")
        wanted = value if op == CompareOperator.eq else not value
        return {"status": {"$ne": DISABLED}} if wanted else {"status": DISABLED}
    if name in ("meta.created", "meta.lastmodified"):
        field = "created_at" if name == "meta.created" else "updated_at"
        return _date_match(field, op, value)
    raise InvalidFilter(f"Filtering on {path} is not supported.")


def _text(path: AttrPath, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidFilter(f"{path} compares with a string.")
    return value


def _truth(op: CompareOperator, holds: bool, when: Document) -> Document:
    if op == CompareOperator.eq:
        return when if holds else _NOTHING
    if op == CompareOperator.ne:
        return {"$nor": [when]} if holds else {}
    raise InvalidFilter("emails.type supports eq and ne only.")


_REGEX: dict[CompareOperator, Callable[[str], str]] = {
    CompareOperator.co: re.escape,
    CompareOperator.sw: lambda v: "^" + re.escape(v),
    CompareOperator.ew: lambda v: re.escape(v) + "$",
}


def _string_match(
    field: str,
    op: CompareOperator,
    value: str,
    *,
    case_exact: bool = False,
    exact_field: bool = True,
) -> Document:
    """`exact_field`: the stored value is already in the case filters compare in (email,
    username_key are lower case), so equality and prefixes can use the index."""
    if op == CompareOperator.eq:
        if exact_field or case_exact:
            return {field: value}
        return {field: {"$regex": f"^{re.escape(value)}$", "$options": "i"}}
    if op == CompareOperator.ne:
        return {
            "$nor": [
                _string_match(
                    field, CompareOperator.eq, value, case_exact=case_exact, exact_field=exact_field
                )
            ]
        }
    if op == CompareOperator.sw and (exact_field or case_exact):
        return {field: prefix_range(value)} if value else {field: _STRING}
    if op in _REGEX:
        regex: Document = {"$regex": _REGEX[op](value)}
        if not case_exact:
            regex["$options"] = "i"
        return {field: regex}
    raise InvalidFilter(f"{op.value} does not apply to strings here.")


def _user_name(op: CompareOperator, value: str) -> Document:
    """userName is the username, or the email of a user who has no username."""
    by_username = _string_match("username_key", op, value)
    by_email = _string_match("email", op, value)
    if op == CompareOperator.ne:
        return {"$and": [by_username, {"$or": [{"username_key": {"$ne": None}}, by_email]}]}
    if op == CompareOperator.eq:
        # A username cannot hold "@" and an email must: one index answers.
        return {"email": value, "username_key": None} if "@" in value else by_username
    return {"$or": [by_username, {"username_key": None, **by_email}]}


def _date_match(field: str, op: CompareOperator, value: Any) -> Document:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise InvalidFilter(f"{value!r} is not a dateTime.") from error
    if not isinstance(value, datetime):
        raise InvalidFilter("meta dates compare with a dateTime string.")
    operators = {
        CompareOperator.eq: "$eq",
        CompareOperator.gt: "$gt",
        CompareOperator.ge: "$gte",
        CompareOperator.lt: "$lt",
        CompareOperator.le: "$lte",
    }
    if op not in operators:
        raise InvalidFilter(f"{op.value} does not apply to dates.")
    return {field: {operators[op]: value}}


# sortBy (RFC 7644 §3.4.2.3) on the attributes Roster can order by.
SORT_FIELDS: dict[str, list[str]] = {
    "username": ["username_key", "email"],
    "emails": ["email"],
    "emails.value": ["email"],
    "externalid": ["external_id"],
    "name.givenname": ["first_name"],
    "name.familyname": ["last_name"],
    "meta.created": ["created_at"],
    "meta.lastmodified": ["updated_at"],
    "id": ["_id"],
}


def users_sort(sort_by: str | None, sort_order: str | None) -> list[tuple[str, int]]:
    if not sort_by:
        return []
    key = sort_by.strip().lower()
    for prefix in (_CORE + ":",):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    fields = SORT_FIELDS.get(key)
    if fields is None:
        raise InvalidSort(f"Sorting by {sort_by} is not supported.")
    order = (sort_order or "ascending").strip().lower()
    if order not in ("ascending", "descending"):
        raise InvalidSort("sortOrder is ascending or descending.")
    direction = 1 if order == "ascending" else -1
    return [(field, direction) for field in fields]
