"""What SCIM Users and Groups share: who may act, how tolerant parsing is, and refusals."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import ValidationError
from scim2_models import Context, SCIMException, ScimObject, ScimPolicy

from provisioning.access.principal import SCIM, USERS_READ, USERS_WRITE
from provisioning.caller import Caller
from provisioning.errors import DomainError, Problem

# What identity providers send: Entra capitalises ops, sends "False" for false, removes
# with a value, and writes to emails[type eq "work"] when there is no such entry yet;
# attributes no schema declares are dropped rather than refused.
M = TypeVar("M", bound=ScimObject)

TOLERANT = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class ScimRefused(DomainError):
    """A SCIM request this service refuses; `scim_type` is RFC 7644 §3.12's (the HTTP
    status follows from it at the edge: server/scim/responses.py)."""

    def __init__(self, scim_type: str | None, message: str) -> None:
        super().__init__(Problem("INVALID", message))
        self.scim_type = scim_type


class StillInUse(ScimRefused):
    """The resource cannot go while something else needs it (a 409 at the edge)."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class VersionMismatch(ScimRefused):
    """If-Match named a version the resource no longer has (a 412 at the edge)."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


MAX_COUNT = 200
DEFAULT_COUNT = 100
# The furthest a list can be paged: the store's skip is a 64-bit integer, and no
# organization has anywhere near this many users.
MAX_START_INDEX = 2**31 - 1


def page_bounds(start_index: int | None, count: int | None) -> tuple[int, int]:
    """RFC 7644 §3.4.2.4: startIndex below 1 is 1; a negative count is 0."""
    if start_index is not None and start_index > MAX_START_INDEX:
        raise ScimRefused("invalidValue", f"startIndex must be at most {MAX_START_INDEX}.")
    start = max(start_index or 1, 1)
    wanted = DEFAULT_COUNT if count is None else max(count, 0)
    return start, min(wanted, MAX_COUNT)


def scim_caller(caller: Caller) -> Caller:
    """The caller acting through SCIM: the `scim` scope lets a client read and write the
    organization's users here, with every rule of provisioning/users.py."""
    caller.require(SCIM)
    principal = caller.principal
    if principal is None:
        return caller
    scopes = principal.scopes | {USERS_READ, USERS_WRITE}
    return dataclasses.replace(caller, principal=dataclasses.replace(principal, scopes=scopes))


def check_version(current: str, if_match: str | None) -> None:
    """If-Match (RFC 7644 §3.14): 412 unless one of its tags, or *, is the current one."""
    if if_match is None:
        return
    wanted = [tag.strip() for tag in if_match.split(",")]
    if "*" not in wanted and current not in wanted:
        raise VersionMismatch("The resource changed since that version (If-Match).")


def changed_meanwhile() -> VersionMismatch:
    """412: an If-Match write found the resource changed since the version it matched."""
    return VersionMismatch("The resource changed meanwhile (If-Match).")


def refused(error: ValidationError | SCIMException) -> ScimRefused:
    if isinstance(error, SCIMException):
        return ScimRefused(error.scim_type or None, str(error.detail))
    for detail in error.errors():
        context = detail.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, SCIMException):
            return ScimRefused(cause.scim_type or None, str(cause.detail))
        if "scim_type" in context:  # a SCIMException raised inside a validator
            return ScimRefused(context["scim_type"] or None, detail["msg"])
    first = error.errors()[0] if error.errors() else None
    if first is None:
        return ScimRefused("invalidValue", str(error))
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return ScimRefused("invalidValue", message)


def without_null_selectors(payload: dict[str, Any]) -> dict[str, Any]:
    """What Entra sends, read as RFC 7644 means it. It removes members with
    [{"$ref": null, "value": id}]: a null there selects nothing, so it is dropped and the
    entry is selected by the values it does carry. It sends the enterprise manager as the
    manager's id alone, or as a one-entry list; the attribute is complex: {"value": id}."""
    operations = payload.get("Operations")
    if not isinstance(operations, list):
        return payload
    cleaned = []
    for operation in operations:
        path = str(operation.get("path") or "") if isinstance(operation, dict) else ""
        if isinstance(operation, dict) and path.lower().endswith("manager"):
            value = operation.get("value")
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if isinstance(value, str):
                value = {"value": value}
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if v is not None}
            operation = {**operation, "value": value}
        elif (
            isinstance(operation, dict)
            and str(operation.get("op", "")).lower() == "remove"
            and isinstance(operation.get("value"), list)
        ):
            value = [
                {k: v for k, v in entry.items() if v is not None}
                if isinstance(entry, dict)
                else entry
                for entry in operation["value"]
            ]
            operation = {**operation, "value": value}
        cleaned.append(operation)
    return {**payload, "Operations": cleaned}


def not_an_object() -> ScimRefused:
    return ScimRefused("invalidSyntax", "The body must be a JSON object.")


def parse_body(model: type[M], payload: Any, context: Context) -> M:
    """A request body as `model` (a resource, or a PatchOp of one, whose Entra quirks are
    read as RFC 7644 means them); 400 invalidValue/invalidSyntax when it is not one."""
    if not isinstance(payload, dict):
        raise not_an_object()
    if context == Context.RESOURCE_PATCH_REQUEST:
        payload = without_null_selectors(payload)
    try:
        return model.model_validate(payload, scim_ctx=context, scim_policy=TOLERANT)
    except (ValidationError, SCIMException) as error:
        raise refused(error) from error
