"""Every way a user activates goes through the one status path
(provisioning/users/status.py) and records the same `user.activated` event: INVITED to
ACTIVE, the source in the metadata. Accepting an invitation and resetting the password of
an invited user (the reset link's email proves the address), with a real SMTP server."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer
from tests.integration.outbox_wait import attempted
from tests.integration.test_invitations import (
    ACCEPT,
    GOOD_PASSWORD,
    REQUEST_RESET,
    RESET,
    create_user,
    invite,
    settings,
    token_in,
    wait_for_mail,
)

__all__ = ["settings"]  # the fixture: a public URL and the SMTP server


async def invited(api: Api) -> tuple[httpx.AsyncClient, str, str]:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    sent = await invite(api, admin, user_id, channel="email")
    assert sent["userErrors"] == [] and sent["user"]["status"] == "INVITED", sent
    await attempted(api.deps, org_id, user_id)
    return admin, org_id, user_id


async def activated(api: Api, user_id: str, source: str) -> dict[str, Any]:
    events = api.deps.store.db["audit_events"].find(
        {"target_id": user_id, "action": "user.activated"}
    )
    [event] = [e async for e in events]
    assert event["metadata"]["source"] == source
    assert event["changes"]["status"] == {"before": "INVITED", "after": "ACTIVE"}
    assert "password_hash" not in event["changes"]
    assert event["actor_id"] == user_id
    result: dict[str, Any] = event
    return result


async def test_accepting_an_invitation(api: Api, smtp: SmtpServer) -> None:
    _, _, user_id = await invited(api)
    token = token_in(smtp.inbox.messages[0], "/accept-invitation")
    body = await api.gql(
        api.browser(), ACCEPT, {"input": {"token": token, "password": GOOD_PASSWORD}}
    )
    assert body["data"]["acceptInvitation"]["user"]["status"] == "ACTIVE", body
    await activated(api, user_id, "INVITATION")


async def test_password_reset_of_an_invited_user(api: Api, smtp: SmtpServer) -> None:
    _, _, user_id = await invited(api)
    body = await api.gql(
        api.browser(),
        REQUEST_RESET,
        {"input": {"organization": "acme", "login": "ina@acme.example"}},
    )
    assert body["data"]["requestPasswordReset"]["ok"] is True, body
    await wait_for_mail(api, smtp, 2)
    token = token_in(smtp.inbox.messages[1], "/reset-password")
    body = await api.gql(
        api.browser(), RESET, {"input": {"token": token, "password": GOOD_PASSWORD}}
    )
    assert body["data"]["resetPassword"]["user"]["status"] == "ACTIVE", body
    await activated(api, user_id, "PASSWORD_RESET")
