"""Each attack on the SSO flow is refused with a reason, and nothing is created."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Api
from tests.integration.oidc_provider import FakeProvider, running_provider
from tests.integration.test_sso import GRACE, PUBLIC_URL, configure, sso

JSON = {"Accept": "application/json"}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


async def nothing_created(api: Api) -> None:
    db = api.deps.store.db
    assert await db["identities"].count_documents({}) == 0
    assert await db["users"].count_documents({"source": "SSO"}) == 0
    assert await db["sessions"].count_documents({}) == 1  # the admin's own


async def start(browser: httpx.AsyncClient, slug: str = "acme", **params: str) -> str:
    """Our login route, then the provider: the callback path the provider sends back."""
    response = await browser.get(f"/auth/{slug}/login", params=params)
    assert response.status_code == 303, response.text
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(response.headers["location"])
    return str(at_provider.headers["location"]).removeprefix(PUBLIC_URL)


def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code in (400, 403, 404, 409), response.text
    body = response.json()
    assert body["error"] == reason, body
    assert body["requestId"] == response.headers["x-request-id"]
    assert (
        "set-cookie" not in response.headers
        or "roster_session=" not in response.headers["set-cookie"]
    )


Bend = Callable[[FakeProvider], None]


def _set(**overrides: Any) -> Bend:
    def bend(provider: FakeProvider) -> None:
        provider.claim_overrides.update(overrides)

    return bend


def _forge(kind: str) -> Bend:
    def bend(provider: FakeProvider) -> None:
        provider.forge = kind

    return bend


def _now() -> int:
    return int(time.time())


TOKEN_ATTACKS: list[tuple[str, Bend, str]] = [
    ("nonce mismatch", _set(nonce="replayed-nonce"), "NONCE_MISMATCH"),
    ("wrong iss", _set(iss="https://evil.example"), "ID_TOKEN_INVALID"),
    ("wrong aud", _set(aud="someone-else"), "ID_TOKEN_INVALID"),
    ("two audiences, no azp", _set(aud=["roster-client", "other"]), "ID_TOKEN_INVALID"),
    ("azp of another client", _set(azp="other"), "ID_TOKEN_INVALID"),
    ("expired", _set(exp=_now() - 3600, iat=_now() - 7200), "ID_TOKEN_EXPIRED"),
    ("issued in the future", _set(iat=_now() + 3600, exp=_now() + 7200), "ID_TOKEN_INVALID"),
    ("alg none", _forge("none"), "ID_TOKEN_INVALID"),
    ("HS256 signed with the public key", _forge("hs256-public-key"), "ID_TOKEN_INVALID"),
    ("signed by another key with the same kid", _forge("foreign-key"), "ID_TOKEN_INVALID"),
]


@pytest.mark.parametrize(
    ("bend", "reason"),
    [pytest.param(bend, reason, id=name) for name, bend, reason in TOKEN_ATTACKS],
)
async def test_bent_id_tokens_are_refused(
    api: Api, provider: FakeProvider, bend: Bend, reason: str
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    bend(provider)
    done, _ = await sso(api.browser(), "acme")
    refused(done, reason)
    await nothing_created(api)


async def test_unknown_and_replayed_state_are_refused(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    browser = api.browser()
    forged = await browser.get(
        "/auth/acme/callback", params={"code": "x", "state": "made-up"}, headers=JSON
    )
    refused(forged, "STATE_INVALID")
    await nothing_created(api)
    done, callback = await sso(browser, "acme")
    assert done.status_code == 303
    exchanges = provider.token_requests
    replay = await browser.get(callback, headers=JSON)
    refused(replay, "STATE_INVALID")
    assert provider.token_requests == exchanges  # the code was never sent again


async def test_a_callback_in_another_browser_is_refused(api: Api, provider: FakeProvider) -> None:
    """Login CSRF: the attacker's callback URL opened in the victim's browser."""
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    callback = await start(api.browser())
    victim = api.browser()
    refused(await victim.get(callback, headers=JSON), "STATE_INVALID")
    await nothing_created(api)


@pytest.mark.parametrize("verifier", ["", "wrong-verifier-wrong-verifier-wrong-verifier-x"])
async def test_missing_or_wrong_pkce_verifier_is_refused(
    api: Api, provider: FakeProvider, verifier: str
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    browser = api.browser()
    callback = await start(browser)
    await api.deps.store.db["login_transactions"].update_many(
        {}, {"$set": {"code_verifier": verifier}}
    )
    refused(await browser.get(callback, headers=JSON), "TOKEN_EXCHANGE_FAILED")
    await nothing_created(api)


async def test_another_organizations_provider_and_state_do_not_work_here(
    api: Api, provider: FakeProvider
) -> None:
    admin_a, _ = await api.admin_of("acme")
    admin_b, _ = await api.admin_of("beta")
    await configure(api, admin_a, provider)
    await configure(api, admin_b, provider, clientId="beta-client")
    # A token the provider issued to beta's client is refused at acme (audience).
    provider.claim_overrides["aud"] = "beta-client"
    done, _ = await sso(api.browser(), "acme")
    refused(done, "ID_TOKEN_INVALID")
    provider.claim_overrides.clear()
    # beta's pending login delivered to acme's callback: no such transaction at acme.
    browser = api.browser()
    provider.client_id = "beta-client"
    callback = await start(browser, "beta")
    moved = callback.replace("/auth/beta/", "/auth/acme/")
    refused(await browser.get(moved, headers=JSON), "STATE_INVALID")
    db = api.deps.store.db
    assert await db["identities"].count_documents({}) == 0


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=1",
        "relative/path",
    ],
)
async def test_return_to_is_only_a_local_path(
    api: Api, provider: FakeProvider, return_to: str
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    response = await api.browser().get(
        "/auth/acme/login", params={"return_to": return_to}, headers=JSON
    )
    refused(response, "RETURN_TO_INVALID")
    assert "location" not in response.headers


async def test_rfc9207_iss_parameter(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    provider.send_iss_parameter = "https://evil.example"
    done, _ = await sso(api.browser(), "acme")
    refused(done, "ISSUER_MISMATCH")
    provider.send_iss_parameter = None
    provider.advertise_iss_parameter = True
    # The discovery document is cached: a fresh app would see the flag at once.
    api_oidc = api.transport.app.state["oidc"]  # type: ignore[attr-defined]
    api_oidc._metadata.clear()
    done, _ = await sso(api.browser(), "acme")
    refused(done, "ISSUER_MISSING")
    provider.send_iss_parameter = provider.issuer
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 303


async def test_discovery_must_name_the_configured_issuer(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    provider.discovery_issuer = "https://impostor.example"
    response = await api.browser().get("/auth/acme/login", headers=JSON)
    refused(response, "ISSUER_MISMATCH")
    assert await api.deps.store.db["login_transactions"].count_documents({}) == 0


async def test_a_provider_error_is_shown_and_audited(api: Api, provider: FakeProvider) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider)
    browser = api.browser()
    await browser.get("/auth/acme/login")
    response = await browser.get(
        "/auth/acme/callback",
        params={"error": "access_denied", "state": "whatever"},
        headers=JSON,
    )
    refused(response, "PROVIDER_ERROR")
    events = await api.deps.store.db["audit_events"].find({"action": "sso.login_failed"}).to_list()
    assert all(e["org_id"] == org_id for e in events)
    assert [e["changes"]["reason"]["after"] for e in events] == ["PROVIDER_ERROR"]
    assert events[0]["request_id"] == response.headers["x-request-id"]
