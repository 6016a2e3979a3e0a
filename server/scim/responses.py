"""SCIM responses: application/scim+json bodies, and errors in the RFC 7644 §3.12 format."""

from __future__ import annotations

import json
from typing import Any

from scim2_models import Error, ListResponse
from starlette.responses import Response

from provisioning.errors import DomainError
from provisioning.scim.access import ScimRefused, StillInUse, VersionMismatch
from provisioning.scim.filter import InvalidFilter, InvalidSort

SCIM_JSON = "application/scim+json"

# RFC 7644 §3.12: the scimTypes that are not a 400.
_SCIM_TYPE_STATUS = {"uniqueness": 409, "sensitive": 403}
# Roster's error codes, as SCIM statuses and scimTypes.
_STATUS: dict[str, tuple[int, str | None]] = {
    "NOT_FOUND": (404, None),
    "FORBIDDEN": (403, None),
    "EMAIL_TAKEN": (409, "uniqueness"),
    "USERNAME_TAKEN": (409, "uniqueness"),
    "SEAT_LIMIT": (409, None),
    "MANAGED_EXTERNALLY": (400, "mutability"),
}


def scim_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(json.dumps(body), status_code=status, headers=headers, media_type=SCIM_JSON)


def scim_error(
    status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return scim_response(error.model_dump(), status, headers)


def scim_refusal(detail: str, request_id: str) -> dict[str, Any]:
    """The body of a 413 for a SCIM request refused before it reached a route."""
    # RFC 7644's Error has no member for it (strict clients refuse extra ones): the request
    # id goes in the detail, as well as in the X-Request-ID header.
    error = Error(status=413, detail=f"{detail} (request id {request_id})")
    body: dict[str, Any] = error.model_dump()
    return body


def error_for(error: Exception) -> Response:
    """The SCIM error for an expected failure of the business rules."""
    if isinstance(error, VersionMismatch):
        return scim_error(412, str(error), None)
    if isinstance(error, StillInUse):
        return scim_error(409, str(error), None)
    if isinstance(error, ScimRefused):
        status = _SCIM_TYPE_STATUS.get(error.scim_type or "", 400)
        return scim_error(status, str(error), error.scim_type)
    if isinstance(error, InvalidFilter):
        return scim_error(400, str(error), "invalidFilter")
    if isinstance(error, InvalidSort):
        return scim_error(400, str(error), "invalidValue")
    assert isinstance(error, DomainError)
    problem = error.problems[0]
    status, scim_type = _STATUS.get(problem.code, (400, "invalidValue"))
    detail = "; ".join(p.message for p in error.problems)
    return scim_error(status, detail, scim_type)


def list_response(
    resources: list[dict[str, Any]], total: int | None = None, start_index: int = 1
) -> Response:
    body = {
        "schemas": [str(ListResponse.__schema__)],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
    return scim_response(body)
