"""The garbage collector of a serving process.

Requests make no reference cycles (tests/integration/test_request_garbage.py keeps it so):
what they allocate is freed by reference counting as each request ends. The collector's
default young-generation threshold (700 container objects) is still crossed many times a
second, because a dozen requests in flight hold that many live objects between them; each
crossing is a collection that finds nothing, and every so often a full one walks the whole
heap (the schema, the modules, the driver). Measured on graphql_read's query, with the
database's answers from memory, that was 150 to 200 µs of a request's 0.9 to 1.1 ms of CPU;
tuned as below, about 1 µs.
"""

from __future__ import annotations

import gc

# Young collections every 10,000 net new container objects instead of 700: any cycle that
# does appear is still found, after a few thousand requests rather than a few.
YOUNG_GENERATION_THRESHOLD = 10_000


def tune_for_serving() -> None:
    """Once per process, after the app is built: what exists now (modules, the schema, the
    app) lives as long as the process, so full collections stop walking it (gc.freeze);
    young collections become rarer."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
