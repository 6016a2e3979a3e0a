"""Checks on a request's document and variables before they are parsed or executed.

The document's length is bounded before parsing: a token limit alone lets one huge string
literal or comment through, since each counts as one token or none. Every string the
request carries (in the document or the variables) must be encodable text: a lone UTF-16
surrogate, which JSON can spell as an escape, cannot be stored, hashed or sent on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value (keys included), without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class InputLimits(SchemaExtension):
    def __init__(self, max_query_chars: int) -> None:
        self.max_query_chars = max_query_chars

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if len(query) > self.max_query_chars:
            raise GraphQLError(
                f"The document is longer than {self.max_query_chars} characters:"
                " pass long values as variables.",
                extensions={"code": "QUERY_TOO_LARGE"},
            )
        variables = self.execution_context.variables
        if has_lone_surrogate(query) or any(map(has_lone_surrogate, _strings(variables))):
            raise GraphQLError(
                "The request contains text that is not valid Unicode (a lone surrogate).",
                extensions={"code": "INVALID"},
            )
        yield
