"""Turning domain errors into GraphQL answers.

A mutation answers a rule's refusal in its payload's userErrors (`payload_on_domain_error`).
A query has no payload: a DomainError it raises is typed at the schema's edge
(schema.build.typed) with its code and field, at its own path, and never masked.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from provisioning.errors import DomainError
from schema.errors import user_errors

P = ParamSpec("P")
T = TypeVar("T")


def payload_on_domain_error(
    resolver: Callable[P, Awaitable[T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Answers a DomainError raised anywhere in `resolver` with the payload class of its
    return annotation, carrying the error's problems as userErrors.

    functools.wraps keeps what strawberry reads: it follows __wrapped__ for the signature
    and resolves the annotations in __module__, so the field's arguments and type (and
    the printed SDL) are those of the resolver itself.
    """
    payload = _payload_class(resolver)

    @functools.wraps(resolver)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await resolver(*args, **kwargs)
        except DomainError as error:
            answered: T = payload(user_errors=user_errors(error))
            return answered

    return answer


def _payload_class(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """The return annotation, resolved in the resolver's module: a payload type."""
    payload = typing.get_type_hints(resolver)["return"]
    fields = (
        {f.name for f in dataclasses.fields(payload)} if dataclasses.is_dataclass(payload) else ()
    )
    if not isinstance(payload, type) or "user_errors" not in fields:
        raise TypeError(f"{resolver.__qualname__} must return a payload with user_errors")
    return payload
