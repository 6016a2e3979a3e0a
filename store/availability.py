"""Which database failures mean "the database is away" (answer 503, retry later) rather
than a bug: no server to talk to, a dropped connection, a server shutting down or stepping
down, an operation over its time limit."""

from __future__ import annotations

from pymongo.errors import ConnectionFailure, ExecutionTimeout, OperationFailure

# ShutdownInProgress, InterruptedAtShutdown, InterruptedDueToReplStateChange,
# NotWritablePrimary, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, PrimarySteppedDown,
# HostUnreachable, HostNotFound, NetworkTimeout, SocketException.
UNAVAILABLE_CODES = frozenset({91, 11600, 11602, 10107, 13435, 13436, 189, 6, 7, 89, 9001})


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from, says the database is unavailable."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ConnectionFailure | ExecutionTimeout):
            return True
        if isinstance(error, OperationFailure) and error.code in UNAVAILABLE_CODES:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
