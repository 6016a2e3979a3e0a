"""SCIM 2.0 (RFC 7643/7644) as the sync speaks it: schema URNs, times, filter literals.
The peer itself is a port (provisioning/sync/peer.py); its HTTP adapter is server/scim_peer.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from provisioning.sync.peer import Resource

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MEDIA_TYPE = "application/scim+json"
PAGE_SIZE = 500

# RFC 7644 3.12: the scimType values a peer's error may carry (anything else is dropped).
SCIM_TYPES = frozenset(
    {
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    }
)


def scim_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def last_modified(resource: Resource) -> str | None:
    meta = resource.get("meta")
    value = meta.get("lastModified") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def quoted(value: str) -> str:
    """A string literal of a SCIM filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
