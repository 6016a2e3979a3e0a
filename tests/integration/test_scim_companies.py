"""SCIM users' enterprise `organization`: the company of that name, created as a partner
company when the organization has none (as departments are), unless the SCIM settings
say to refuse; concurrent requests naming one new company make one company."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import ENTERPRISE, ScimPeer, enterprise, scim_peer, user_body

COMPANIES = "{ organization { companies { id name kind } } }"
SETTINGS = """mutation($input: UpdateScimSettingsInput!) { updateScimSettings(input: $input) {
  scimSettings { deprovision adoptExistingUsers createCompanies }
  userErrors { field code message } } }"""


async def companies(api: Api, peer: ScimPeer) -> dict[str, dict[str, Any]]:
    body = await api.gql(peer.admin, COMPANIES)
    return {c["name"]: c for c in body["data"]["organization"]["companies"]}


async def test_an_unknown_company_is_created_as_a_partner(api: Api) -> None:
    peer = await scim_peer(api)
    before = await companies(api, peer)
    assert [c["kind"] for c in before.values()] == ["OWN"]

    response = await peer.post(
        "/Users", user_body("bjensen@acme.example", **enterprise(organization=" Initech "))
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user[ENTERPRISE] == {"organization": "Initech"}
    made = await companies(api, peer)
    assert made["Initech"]["kind"] == "PARTNER"
    me = await api.gql(peer.admin, "query($id: ID!) { user(id: $id) { company { id } } }",
                       {"id": user["id"]})  # fmt: skip
    assert me["data"]["user"]["company"]["id"] == made["Initech"]["id"]
    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": made["Initech"]["id"]})
    assert [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]] == [
        "company.created"
    ]

    # Another spelling of the same name is that company, not a second one.
    other = await peer.post(
        "/Users", user_body("ada@acme.example", "Ada", **enterprise(organization="INITECH"))
    )
    assert other.status_code == 201, other.text
    assert other.json()[ENTERPRISE] == {"organization": "Initech"}
    assert len(await companies(api, peer)) == 2

    # PATCH to a new name creates that one too.
    patched = await peer.patch(
        f"/Users/{user['id']}",
        [{"op": "replace", "path": f"{ENTERPRISE}:organization", "value": "Globex"}],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()[ENTERPRISE] == {"organization": "Globex"}
    assert set(await companies(api, peer)) == set(before) | {"Initech", "Globex"}


async def test_settings_may_refuse_unknown_companies(api: Api) -> None:
    peer = await scim_peer(api)
    read = await api.gql(peer.admin, "{ organization { scimSettings { createCompanies } } }")
    assert read["data"]["organization"]["scimSettings"] == {"createCompanies": True}
    body = await api.gql(peer.admin, SETTINGS, {"input": {"createCompanies": False}})
    payload = body["data"]["updateScimSettings"]
    assert payload["userErrors"] == [] and payload["scimSettings"]["createCompanies"] is False
    nulled = await api.gql(peer.admin, SETTINGS, {"input": {"createCompanies": None}})
    assert nulled["data"]["updateScimSettings"]["userErrors"][0]["code"] == "REQUIRED"

    refused = await peer.post(
        "/Users", user_body("bjensen@acme.example", **enterprise(organization="Initech"))
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["scimType"] == "invalidValue"
    assert "Initech" in refused.json()["detail"]
    assert "Initech" not in await companies(api, peer)
    listed = await peer.get("/Users", filter='userName eq "bjensen@acme.example"')
    assert listed.json()["totalResults"] == 0

    # The organization's own company is known, whatever the setting.
    own = next(iter(await companies(api, peer)))
    kept = await peer.post(
        "/Users", user_body("ada@acme.example", "Ada", **enterprise(organization=own.upper()))
    )
    assert kept.status_code == 201, kept.text


async def test_a_refused_user_leaves_no_company(api: Api) -> None:
    peer = await scim_peer(api)
    bad = await peer.post(
        "/Users",
        user_body("not an email", email="nope", **enterprise(organization="Initech")),
    )
    assert bad.status_code == 400, bad.text
    assert "Initech" not in await companies(api, peer)


async def test_concurrent_users_naming_one_new_company_make_one(api: Api) -> None:
    peer = await scim_peer(api)
    responses = await asyncio.gather(
        *(
            peer.post(
                "/Users",
                user_body(f"p{i}@acme.example", **enterprise(organization="Umbrella Corp")),
            )
            for i in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    made = await companies(api, peer)
    assert [name for name in made if name.casefold() == "umbrella corp"] == ["Umbrella Corp"]
    ids = {
        (await api.gql(peer.admin, "query($id: ID!) { user(id: $id) { company { id } } }",
                       {"id": r.json()["id"]}))["data"]["user"]["company"]["id"]
        for r in responses
    }  # fmt: skip
    assert ids == {made["Umbrella Corp"]["id"]}


async def test_the_settings_name_the_endpoint_and_token_urls_an_identity_provider_uses(
    api: Api, settings: Settings
) -> None:
    peer = await scim_peer(api)
    read = await api.gql(peer.admin, "{ organization { scimSettings { endpointUrl tokenUrl } } }")
    urls = read["data"]["organization"]["scimSettings"]
    public = settings.public_url
    assert urls == {"endpointUrl": f"{public}/scim/v2", "tokenUrl": f"{public}/oauth/token"}
    # The advertised endpoint is where SCIM answers (its path, on the test transport).
    path = urlsplit(urls["endpointUrl"]).path
    listed = await peer.http.get(f"{path}/Users")
    assert listed.status_code == 200, listed.text
    assert [u["userName"] for u in listed.json()["Resources"]] == ["admin@acme.example"]
    refused = await api.browser().post(urlsplit(urls["tokenUrl"]).path, data={})
    # The token endpoint, asking for a client.
    assert refused.status_code in (400, 401), refused.text
