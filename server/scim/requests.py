"""What a SCIM request carries, parsed: a JSON body, a list request (from GET's query or a
.search body), and the If-None-Match precondition. Bad input is a ScimRefused (400)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import Context, ResponseParameters, SCIMException, SearchRequest
from starlette.requests import Request

from provisioning.scim.access import ScimRefused, refused


async def json_body(request: Request) -> Any:
    """The body as JSON; its size is capped by BodyLimit (server/body_limit.py)."""
    body = await request.body()
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ScimRefused("invalidSyntax", f"The body is not JSON: {error}") from error
    except RecursionError as error:
        raise ScimRefused("invalidSyntax", "The body is nested too deeply.") from error


def _integer(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as error:
        raise ScimRefused("invalidValue", f"{name} must be an integer.") from error


@dataclass(frozen=True)
class Listing:
    """A list request's filter, sort, page and attributes: from GET's query or a .search body."""

    filter_text: str | None
    sort_by: str | None
    sort_order: str | None
    start_index: int | None
    count: int | None
    parameters: ResponseParameters[Any] | None

    @classmethod
    def of_query(cls, query: Any) -> Listing:
        return cls(
            filter_text=query.get("filter"),
            sort_by=query.get("sortBy"),
            sort_order=query.get("sortOrder"),
            start_index=_integer(query.get("startIndex"), "startIndex"),
            count=_integer(query.get("count"), "count"),
            parameters=response_parameters(query),
        )

    @classmethod
    def of_search(cls, payload: Any) -> Listing:
        search = search_request(payload)
        return cls(
            filter_text=str(search.filter) if search.filter else None,
            sort_by=str(search.sort_by) if search.sort_by else None,
            sort_order=search.sort_order.value if search.sort_order else None,
            start_index=search.start_index,
            count=search.count,
            parameters=search,
        )


def response_parameters(query: Any) -> ResponseParameters[Any] | None:
    attributes, excluded = query.get("attributes"), query.get("excludedAttributes")
    if not attributes and not excluded:
        return None
    try:
        return ResponseParameters[Any].model_validate(
            {"attributes": attributes or None, "excludedAttributes": excluded or None}
        )
    except (ValidationError, SCIMException) as error:
        raise refused(error) from error


def search_request(payload: Any) -> SearchRequest[Any]:
    if not isinstance(payload, dict):
        raise ScimRefused("invalidSyntax", "The body must be a JSON object.")
    try:
        return SearchRequest[Any].model_validate(payload, scim_ctx=Context.SEARCH_REQUEST)
    except (ValidationError, SCIMException) as error:
        raise refused(error) from error


def not_modified(request: Request, version: str) -> bool:
    wanted = request.headers.get("if-none-match")
    if wanted is None:
        return False
    tags = [tag.strip() for tag in wanted.split(",")]
    return "*" in tags or version in tags
