"""Department-specific sign-up links, with a QR code to print or show."""

from __future__ import annotations

import base64
import io
import secrets
from urllib.parse import quote

import segno

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.users.rules import Checker
from provisioning.users.write import check_references
from store.ids import new_id
from store.signup_links import SignupLinkRecord

SIGNUP_PATH = "/signup"
MAX_CODE_LENGTH = 64


def signup_url(public_url: str, organization_slug: str, code: str) -> str:
    """The SPA's sign-up page for the organization, with the link's code preselecting it."""
    return f"{public_url.rstrip('/')}{SIGNUP_PATH}/{quote(organization_slug)}?link={code}"


def _qr_bytes(url: str, kind: str) -> bytes:
    """Medium error correction, so a printed code survives some wear."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind=kind, scale=8, border=4, **({"xmldecl": False} if kind == "svg" else {})
    )
    return out.getvalue()


def qr_png_data_uri(url: str) -> str:
    """PNG as a data URI, ready for an <img src>."""
    return "data:image/png;base64," + base64.b64encode(_qr_bytes(url, "png")).decode()


def qr_svg(url: str) -> str:
    return _qr_bytes(url, "svg").decode()


async def create_signup_link(
    deps: Dependencies, caller: Caller, department_id: str | None
) -> SignupLinkRecord:
    """Admins. A new link (128 random bits) that preselects `department_id`, if given."""
    org_id = caller.require_admin()
    if department_id is not None:
        check = Checker()
        await check_references(deps, org_id, check, {"department_id": department_id})
        if check.problems:
            raise ValidationFailed(*check.problems)
    record = SignupLinkRecord(
        id=new_id(),
        org_id=org_id,
        code=secrets.token_urlsafe(16),
        department_id=department_id,
        created_at=deps.clock(),
        created_by=caller.user_id,
    )
    await deps.store.signup_links.insert(record)
    await record_event(
        deps,
        caller,
        "signup_link.created",
        "SignupLink",
        record.id,
        {"department_id": {"before": None, "after": department_id}},
    )
    return record


async def list_signup_links(deps: Dependencies, caller: Caller) -> list[SignupLinkRecord]:
    return await deps.store.signup_links.list(caller.require_admin())


async def revoke_signup_link(deps: Dependencies, caller: Caller, link_id: str) -> SignupLinkRecord:
    """Admins. A revoked link is refused from now on; revoking twice changes nothing."""
    org_id = caller.require_admin()
    before = await deps.store.signup_links.revoke(org_id, link_id, deps.clock())
    if before is None:
        raise NotFound("Sign-up link", ("input", "id"))
    await record_event(
        deps,
        caller,
        "signup_link.revoked",
        "SignupLink",
        link_id,
        {"revoked_at": {"before": None, "after": before.revoked_at}},
    )
    return before


async def live_link(deps: Dependencies, org_id: str, code: str) -> SignupLinkRecord:
    """The live link with this code in the organization; TOKEN_INVALID for anything else."""
    found = (
        await deps.store.signup_links.find_live(org_id, code)
        if code and len(code) <= MAX_CODE_LENGTH
        else None
    )
    if found is None:
        raise ValidationFailed(
            Problem(
                "TOKEN_INVALID",
                "This sign-up link is unknown or was revoked.",
                ("input", "signupLink"),
            )
        )
    return found
