"""Checks on a request's document and variables before they are parsed or executed.

The document's length is bounded before parsing: a token limit alone lets one huge string
literal or comment through, since each counts as one token or none. So is the number of
values in the variables, which graphql-core coerces one by one before any resolver runs.
Every string the
request carries (in the document or the variables) must be encodable text: a lone UTF-16
surrogate, which JSON can spell as an escape, cannot be stored, hashed or sent on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionContext


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# Values in one request's variables: coercing them costs tens of microseconds each, on the
# event loop, before any resolver can refuse. The largest legal input (1,000 activity
# entries of six fields) holds about 7,000.
MAX_INPUT_VALUES = 10_000


def _values(value: Any) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every value in a JSON value, with the keys of the object holding it; no recursion."""
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            yield item, tuple(item)
            pending.extend(item.values())
        else:
            yield item, ()
            if isinstance(item, list):
                pending.extend(item)


def check_input(context: ExecutionContext, max_query_chars: int) -> None:
    """Raises a typed GraphQLError for a request over a limit; run before parsing."""
    query = context.query or ""
    if len(query) > max_query_chars:
        raise GraphQLError(
            f"The document is longer than {max_query_chars} characters:"
            " pass long values as variables.",
            extensions={"code": "QUERY_TOO_LARGE"},
        )
    lone_surrogate = has_lone_surrogate(query)
    for count, (value, keys) in enumerate(_values(context.variables)):
        if count > MAX_INPUT_VALUES:
            raise GraphQLError(
                f"The variables hold more than {MAX_INPUT_VALUES} values.",
                extensions={"code": "QUERY_TOO_LARGE"},
            )
        texts = (value, *keys) if isinstance(value, str) else keys
        lone_surrogate = lone_surrogate or any(map(has_lone_surrogate, texts))
    if lone_surrogate:
        raise GraphQLError(
            "The request contains text that is not valid Unicode (a lone surrogate).",
            extensions={"code": "INVALID"},
        )
