"""Times each GraphQL operation for /metrics, by its name and type."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

from strawberry.extensions import SchemaExtension


class OperationObserver(Protocol):
    def observe_operation(self, name: str | None, kind: str, seconds: float) -> None: ...


class OperationMetrics(SchemaExtension):
    """Parsing, validation and execution of one operation; an operation refused before
    it could be read (no document) is not timed here (the HTTP metrics count it)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        observer: OperationObserver | None = getattr(
            self.execution_context.context, "metrics", None
        )
        if observer is None:
            return
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except RuntimeError:  # no operation in the document (or a parse error)
            kind = "unknown"
        observer.observe_operation(context.operation_name, kind, time.perf_counter() - started)
