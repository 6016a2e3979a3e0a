"""Times each GraphQL operation for /metrics, by its name and type."""

from __future__ import annotations

from typing import Protocol

from strawberry.types import ExecutionContext


class OperationObserver(Protocol):
    def observe_operation(self, name: str | None, kind: str, seconds: float) -> None: ...


def observe_operation(context: ExecutionContext, seconds: float) -> None:
    """Parsing, validation and execution of one operation; an operation refused before
    it could be read (no document) is not timed here (the HTTP metrics count it)."""
    observer: OperationObserver | None = getattr(context.context, "metrics", None)
    if observer is None:
        return
    try:
        kind = context.operation_type.value
    except RuntimeError:  # no operation in the document (or a parse error)
        kind = "unknown"
    observer.observe_operation(context.operation_name, kind, seconds)
