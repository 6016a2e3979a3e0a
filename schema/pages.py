"""Cursor pagination: opaque cursors and the page info of a forward page."""

from __future__ import annotations

import base64
from typing import Annotated

import strawberry


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None


@strawberry.type(description="Where a page is in a forward-paged list (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow: read them with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="True when this page was read with an `after` cursor."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of the page; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of the page; null when the page is empty."
    )

    @classmethod
    def of(cls, cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
        """The page info of a forward page: `cursors` of its edges, in order."""
        return cls(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


# The arguments of every forward page, described once.
First = Annotated[
    int, strawberry.argument(description="How many items to return (0 to 100 unless noted).")
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (an edge's cursor or"
        " pageInfo.endCursor); null: from the first."
    ),
]
