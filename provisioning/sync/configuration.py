"""A sync's configuration: an integration's SCIM peer (URL, token), its schedule, the
mass-disable threshold, what a directory maps, and the cursor.

What a directory maps (companyAttribute, syncPhone, departmentAttribute) decides which
fields a run reads and applies. A run only reads the users changed since the cursor, so a
change that maps more (a field turned on, or read from another attribute) asks for a full
read (`full_read_due`): the next run reads every user, whatever the cursor, and applies
the new field to those unchanged at the source too. Only a run that did read everything,
with the settings as they are, clears it; one that started before the change, a dry run,
a syncCompany run, or a held run confirmed from an older cursor leaves it for the next.
Turning a field off needs no read: the runs just stop changing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from provisioning.access.principal import SYNC_RUN
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.sync.mapping import FieldMap
from provisioning.users.rules import Checker
from provisioning.users.write import KEEP
from store.integrations import IntegrationRecord
from store.sync_configs import SyncConfigRecord

DIRECTORY, PROVISIONING = "DIRECTORY", "PROVISIONING"
ID_FIELD = ("input", "integrationId")
# How far ahead of Roster's clock a cursor may be set: a peer's clock skew, not more (a
# cursor in the future would let every later change pass unread).
CURSOR_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class SyncSettings:
    base_url: Any = KEEP
    bearer_token: Any = KEEP
    interval_minutes: Any = KEEP
    disable_threshold: Any = KEEP
    company_attribute: Any = KEEP
    product_key: Any = KEEP
    sync_phone: Any = KEEP
    department_attribute: Any = KEEP
    requires_email: Any = KEEP


def invalid(message: str, field: tuple[str, ...]) -> ValidationFailed:
    return ValidationFailed(Problem("INVALID", message, field))


async def integration_of(
    deps: Dependencies, org_id: str, integration_id: str, field: tuple[str, ...] = ID_FIELD
) -> IntegrationRecord:
    integration = await deps.store.integrations.get(org_id, integration_id)
    if integration is None:
        raise NotFound("Integration", field)
    if integration.kind not in (DIRECTORY, PROVISIONING):
        raise invalid(
            f"{integration.name} is an {integration.kind} integration: only DIRECTORY and"
            " PROVISIONING integrations sync.",
            field,
        )
    return integration


def _config_view(record: SyncConfigRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        "base_url": record.base_url,
        "bearer_token": "(set)" if record.sealed_token else None,
        "interval_seconds": record.interval_seconds,
        "disable_threshold": record.disable_threshold,
        "company_attribute": record.company_attribute,
        "product_key": record.product_key,
        "sync_phone": record.sync_phone,
        "requires_email": record.requires_email,
        "department_attribute": record.department_attribute,
        "full_read_due": record.full_read_due,
    }


def _maps_more(before: FieldMap, after: FieldMap) -> bool:
    """Whether a run with `after` applies values a run with `before` did not read: then
    the users unchanged at the source need them too (a full read)."""
    return (
        (after.sync_phone and not before.sync_phone)
        or after.department_attribute not in (None, before.department_attribute)
        or after.company_attribute != before.company_attribute
    )


async def configure_sync(
    deps: Dependencies, caller: Caller, integration_id: str, settings: SyncSettings
) -> SyncConfigRecord:
    """Sets the SCIM peer of a DIRECTORY or PROVISIONING integration; left out: unchanged."""
    org_id = caller.require_admin()
    integration = await integration_of(deps, org_id, integration_id)
    current = await deps.store.sync_configs.get(org_id, integration_id)
    check = Checker()
    base_url = current.base_url if current else ""
    if settings.base_url is not KEEP:
        base_url = (settings.base_url or "").strip().rstrip("/")
        parts = urlsplit(base_url)
        plain_http_allowed = deps.limits.allow_loopback_http_issuers  # development only
        if parts.scheme != "https" and not (parts.scheme == "http" and plain_http_allowed):
            check.fail("baseUrl", "INVALID", "Base URL must be an https URL (the SCIM root).")
        elif not parts.netloc:
            check.fail("baseUrl", "INVALID", "Base URL must be an http(s) URL (the SCIM root).")
        elif (problem := deps.outbound.url_problem(base_url)) is not None:
            check.fail("baseUrl", "FORBIDDEN", problem)
    elif current is None:
        check.fail("baseUrl", "REQUIRED", "Base URL is required.")
    sealed = current.sealed_token if current else None
    if settings.bearer_token is not KEEP:
        token = (settings.bearer_token or "").strip()
        sealed = deps.secret_box.seal(token) if token else None
    if sealed is None:
        check.fail("bearerToken", "REQUIRED", "A bearer token is required.")
    interval = current.interval_seconds if current else None
    if settings.interval_minutes is not KEEP:
        minutes = settings.interval_minutes
        if minutes is not None and not 1 <= minutes <= 7 * 24 * 60:
            check.fail("intervalMinutes", "INVALID", "Interval must be 1 minute to 7 days.")
        interval = int(minutes * 60) if minutes else None
    threshold = current.disable_threshold if current else 0.2
    if settings.disable_threshold is not KEEP and settings.disable_threshold is not None:
        threshold = float(settings.disable_threshold)
        if not 0 <= threshold <= 1:
            check.fail("disableThreshold", "INVALID", "The threshold is a share, 0 to 1.")
    attribute = current.company_attribute if current else None
    if settings.company_attribute is not KEEP:
        attribute = (settings.company_attribute or "").strip() or None
    product_key = current.product_key if current else None
    if settings.product_key is not KEEP:
        product_key = (settings.product_key or "").strip().lower() or None
    if integration.kind == PROVISIONING and product_key is None:
        check.fail("productKey", "REQUIRED", "A PROVISIONING integration names a product key.")
    sync_phone = current.sync_phone if current else False
    if settings.sync_phone is not KEEP:
        sync_phone = bool(settings.sync_phone)
    department_attribute = current.department_attribute if current else None
    if settings.department_attribute is not KEEP:
        department_attribute = (settings.department_attribute or "").strip() or None
    requires_email = current.requires_email if current else False
    if settings.requires_email is not KEEP:
        requires_email = bool(settings.requires_email)
    if requires_email and integration.kind != PROVISIONING:
        check.fail("requiresEmail", "INVALID", "Only a PROVISIONING integration pushes users.")
    if integration.kind == PROVISIONING:
        # An app is sent Roster's phone and department, always: nothing to choose there.
        if sync_phone:
            check.fail("syncPhone", "INVALID", "Only a DIRECTORY integration reads phones.")
        if department_attribute:
            check.fail(
                "departmentAttribute", "INVALID", "Only a DIRECTORY integration reads departments."
            )
    if check.problems:
        raise ValidationFailed(*check.problems)
    now = deps.clock()
    fields = FieldMap(attribute, sync_phone, department_attribute)
    full_read = (
        integration.kind == DIRECTORY
        and current is not None
        and _maps_more(FieldMap.of(current), fields)
    )
    next_run = None
    if interval:
        next_run = current.next_run_at if current and current.interval_seconds == interval else None
        next_run = next_run or now + timedelta(seconds=interval)
    record = SyncConfigRecord(
        integration_id=integration.id,
        org_id=org_id,
        base_url=base_url,
        sealed_token=sealed,
        updated_at=now,
        interval_seconds=interval,
        disable_threshold=threshold,
        company_attribute=attribute,
        product_key=product_key,
        sync_phone=sync_phone,
        department_attribute=department_attribute,
        requires_email=requires_email,
        next_run_at=next_run,
        full_read_due=now if full_read else None,
    )
    before, after = await deps.store.sync_configs.save(record)
    changes = diff(_config_view(before), _config_view(after))
    if settings.bearer_token is not KEEP and "bearer_token" not in changes:
        changes["bearer_token"] = {"before": "(set)", "after": "(replaced)"}
    if changes:
        await record_event(
            deps, caller, "integration.sync_configured", "Integration", integration.id, changes
        )
    return after


async def get_sync_config(
    deps: Dependencies, caller: Caller, integration_id: str
) -> SyncConfigRecord | None:
    return await deps.store.sync_configs.get(caller.require_admin(), integration_id)


async def cursors(
    deps: Dependencies, caller: Caller, integration_ids: list[str]
) -> dict[str, datetime | None]:
    org_id = caller.require_signed_in()
    return await deps.store.sync_configs.cursors(org_id, integration_ids)


async def reset_sync_cursor(
    deps: Dependencies, caller: Caller, integration_id: str, to: datetime | None
) -> IntegrationRecord:
    """Moves the cursor (back, to re-process; null: the next run reads everything)."""
    org_id = caller.require(SYNC_RUN)
    integration = await integration_of(deps, org_id, integration_id)
    if to is not None and to.tzinfo is None:
        to = to.replace(tzinfo=UTC)  # an offset-less date is read as UTC
    if to is not None and to > deps.clock() + CURSOR_SKEW:
        raise invalid(
            "The cursor cannot be set in the future: every change until then would be skipped.",
            ("input", "to"),
        )
    before = await deps.store.sync_configs.set_cursor(org_id, integration_id, to)
    if before is None:
        raise invalid("Configure the integration's SCIM connection first.", ID_FIELD)
    await record_event(
        deps,
        caller,
        "integration.sync_cursor_reset",
        "Integration",
        integration.id,
        {"cursor": {"before": before.cursor, "after": to}},
    )
    return integration


async def configured(
    deps: Dependencies, org_id: str, integration_id: str
) -> tuple[IntegrationRecord, SyncConfigRecord]:
    integration = await integration_of(deps, org_id, integration_id)
    config = await deps.store.sync_configs.get(org_id, integration_id)
    if config is None:
        raise invalid(f"Configure {integration.name}'s SCIM connection first.", ID_FIELD)
    return integration, config
