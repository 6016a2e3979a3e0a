"""Who may call /scim/v2: a client token with the scim scope, for its own organization only."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from tests.integration.conftest import Api
from tests.integration.scim_support import (
    ENTERPRISE,
    ERROR_SCHEMA,
    access_token,
    scim_peer,
    user_body,
)

API = "http://127.0.0.1:8000"


async def _forged(api: Api, key: Any, typ: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iat": now, "exp": now + 300, "jti": "j", **claims}
    return jwt.encode({"alg": "ES256", "typ": typ}, body, key)


async def test_tokens_that_are_not_scim_tokens_are_401(api: Api) -> None:
    peer = await scim_peer(api)
    key_ring = api.transport.app.state["tokens"].key_ring  # type: ignore[attr-defined]
    ours = await key_ring.signer()
    other = ECKey.generate_key("P-256", parameters={"kid": "idp"}, private=True)
    id_claims = {
        "iss": "https://idp.example",
        "aud": "roster",
        "sub": "alice",
        "email": "alice@acme.example",
        "nonce": "n",
        "org": peer.org_id,
    }
    client_claims = {
        "iss": API,
        "aud": f"{API}/graphql",
        "sub": "x",
        "client_id": "x",
        "org": peer.org_id,
        "scope": "scim",
    }
    cases = {
        "no header": None,
        "garbage": "not.a.jwt",
        "empty": "",
        "an ID token from an identity provider": await _forged(api, other, "JWT", **id_claims),
        "an ID token shape signed with our key": await _forged(api, ours, "JWT", **id_claims),
        "an access token of an unknown client": await _forged(api, ours, "at+jwt", **client_claims),
    }
    for name, token in cases.items():
        client = api.browser()
        if token is not None:
            client.headers["Authorization"] = f"Bearer {token}"
        response = await client.get("/scim/v2/Users")
        assert response.status_code == 401, name
        assert response.json()["schemas"] == [ERROR_SCHEMA], name
        assert response.headers["www-authenticate"].startswith("Bearer"), name
    # A signed-in admin's session cookie is not a SCIM credential either.
    cookie = await peer.admin.get("/scim/v2/Users")
    assert cookie.status_code == 401
    assert (await peer.get("/Users")).status_code == 200


async def test_a_token_without_the_scim_scope_is_403(api: Api) -> None:
    peer = await scim_peer(api)
    token = await access_token(api, peer.admin, ["users:read", "users:write"])
    client = api.browser()
    client.headers["Authorization"] = f"Bearer {token}"
    user = (await peer.post("/Users", user_body("ann@acme.example"))).json()
    attempts = [
        await client.get("/scim/v2/ServiceProviderConfig"),
        await client.get("/scim/v2/Users"),
        await client.get(f"/scim/v2/Users/{user['id']}"),
        await client.post("/scim/v2/Users", json=user_body("bob@acme.example")),
        await client.patch(
            f"/scim/v2/Users/{user['id']}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": False}}],
            },
        ),
        await client.delete(f"/scim/v2/Users/{user['id']}"),
        await client.get("/scim/v2/Groups"),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == "This needs the scope scim."
    still = await peer.get(f"/Users/{user['id']}")
    assert still.json()["active"] is True
    assert (await peer.get("/Users", filter='userName eq "bob@acme.example"')).json()[
        "totalResults"
    ] == 0


async def test_one_organization_cannot_reach_another(api: Api) -> None:
    acme = await scim_peer(api, "acme")
    globex = await scim_peer(api, "globex")
    theirs = (await globex.post("/Users", user_body("hank@globex.example", "Hank"))).json()
    group = (
        await globex.post(
            "/Groups",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Globex Ops",
                "members": [{"value": theirs["id"]}],
            },
        )
    ).json()
    path = f"/Users/{theirs['id']}"
    patch = [{"op": "replace", "value": {"active": False}}]
    attempts = [
        await acme.get(path),
        await acme.put(path, {**user_body("hank@globex.example", "Mallory"), "id": theirs["id"]}),
        await acme.patch(path, patch),
        await acme.delete(path),
        await acme.get(f"/Groups/{group['id']}"),
        await acme.patch(
            f"/Groups/{group['id']}", [{"op": "replace", "path": "displayName", "value": "x"}]
        ),
        await acme.delete(f"/Groups/{group['id']}"),
    ]
    for response in attempts:
        assert response.status_code == 404, response.text
    listed = await acme.get("/Users", filter=f'id eq "{theirs["id"]}" or userName sw "hank"')
    assert listed.json()["totalResults"] == 0
    groups = (await acme.get("/Groups", filter='displayName eq "Globex Ops"')).json()
    assert groups["totalResults"] == 0
    # Their user cannot be pulled into one of our groups either.
    ours = (
        await acme.post(
            "/Groups",
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X"},
        )
    ).json()
    stolen = await acme.patch(
        f"/Groups/{ours['id']}",
        [{"op": "add", "path": "members", "value": [{"value": theirs["id"]}]}],
    )
    assert stolen.status_code == 400 and stolen.json()["scimType"] == "invalidValue"

    unchanged = (await globex.get(path)).json()
    assert unchanged["name"]["givenName"] == "Hank" and unchanged["active"] is True
    assert (await globex.get(f"/Groups/{group['id']}")).json()["members"][0]["value"] == theirs[
        "id"
    ]
    assert unchanged[ENTERPRISE] == {"department": "Globex Ops"}
