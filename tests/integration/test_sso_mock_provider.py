"""A whole SSO login against oidc-provider-mock, an independent provider run in-process."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.test_sso import CONFIGURE, PUBLIC_URL


@pytest.fixture(scope="module")
def mock_issuer() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(require_nonce=True) as server:
        # The mock names its issuer after the Host it is asked on: always 127.0.0.1.
        yield f"http://127.0.0.1:{server.server_port}"


async def test_login_through_oidc_provider_mock(api: Api, mock_issuer: str) -> None:
    admin, _ = await api.admin_of("acme")
    configured = await api.gql(
        admin,
        CONFIGURE,
        {
            "input": {
                "name": "Mock",
                "issuer": mock_issuer,
                "clientId": "roster",
                "clientSecret": "mock-secret",
                "emailDomains": ["acme.example"],
            }
        },
    )
    assert configured["data"]["configureIdentityProvider"]["userErrors"] == []
    async with httpx.AsyncClient(base_url=mock_issuer) as outside:
        claims = {
            "email": "Ada@acme.example",
            "email_verified": True,
            "given_name": "Ada",
            "family_name": "Lovelace",
        }
        assert (await outside.put("/users/ada", json=claims)).status_code == 204
        browser = api.browser()
        start = await browser.get("/auth/acme/login", params={"return_to": "/home"})
        assert start.status_code == 303
        authorize = start.headers["location"]
        assert urlsplit(authorize).netloc == urlsplit(mock_issuer).netloc
        form = await outside.get(authorize)
        assert form.status_code == 200 and "<form" in form.text
        approved = await outside.post(authorize, data={"sub": "ada"})
        assert approved.status_code in (302, 303), approved.text
    callback = approved.headers["location"]
    assert callback.startswith(f"{PUBLIC_URL}/auth/acme/callback?")
    done = await browser.get(
        callback.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{PUBLIC_URL}/home"
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert (me["email"], me["firstName"], me["lastName"]) == ("ada@acme.example", "Ada", "Lovelace")
    assert (me["source"], me["status"]) == ("SSO", "ACTIVE")
