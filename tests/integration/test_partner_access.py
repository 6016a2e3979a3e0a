"""Partner tools: client credentials, bearer tokens, scopes, idempotency and rate limits."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from config.settings import Settings
from tests.integration import documents as doc
from tests.integration.conftest import Api

CREATE_CLIENT = f"""mutation($input: CreateApiClientInput!) {{
  createApiClient(input: $input) {{ apiClient {{ id clientId name scopes revokedAt }}
    clientSecret {doc.ERRORS} }} }}"""
REVOKE_CLIENT = f"""mutation($input: RevokeApiClientInput!) {{
  revokeApiClient(input: $input) {{ ok {doc.ERRORS} }} }}"""
CLIENTS = "{ apiClients { id clientId name scopes revokedAt } }"
API = "http://127.0.0.1:8000"


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        rate_limit_per_client=1000,
    )


async def new_client(
    api: Api, admin: httpx.AsyncClient, scopes: list[str], name: str = "CRM"
) -> dict[str, Any]:
    body = await api.gql(admin, CREATE_CLIENT, {"input": {"name": name, "scopes": scopes}})
    payload: dict[str, Any] = body["data"]["createApiClient"]
    assert payload["userErrors"] == [], payload
    return payload


async def token_for(
    client: httpx.AsyncClient, client_id: str, secret: str, *, post: bool = False, scope: str = ""
) -> httpx.Response:
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    if post:
        return await client.post(
            "/oauth/token", data={**form, "client_id": client_id, "client_secret": secret}
        )
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return await client.post("/oauth/token", data=form, headers={"Authorization": f"Basic {basic}"})


async def bearer(
    api: Api, token: str, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    return await api.browser().post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


async def partner(api: Api, scopes: list[str]) -> tuple[httpx.AsyncClient, dict[str, Any], str]:
    admin, _ = await api.admin_of("acme")
    created = await new_client(api, admin, scopes)
    response = await token_for(
        api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
    )
    assert response.status_code == 200, response.text
    return admin, created, response.json()["access_token"]


async def test_token_issue_and_use(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    created = await new_client(api, admin, ["users:read", "users:write"])
    client_id, secret = created["apiClient"]["clientId"], created["clientSecret"]
    listing = await admin.post(
        "/graphql", json={"query": CLIENTS}, headers={"X-Roster-Request": "1"}
    )
    assert client_id in listing.text and secret not in listing.text
    stored = await api.deps.store.db["api_clients"].find_one({"client_id": client_id})
    assert stored is not None and secret not in str(stored)

    for post in (False, True):
        response = await token_for(api.browser(), client_id, secret, post=post)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"].lower() == "bearer" and body["expires_in"] == 600
    token = body["access_token"]
    decoded = jwt.decode(token, (await api.transport.app.state["tokens"].key_ring.published()))  # type: ignore[attr-defined]
    assert decoded.header["typ"] == "at+jwt" and decoded.header["alg"] == "ES256"
    claims = decoded.claims
    assert (claims["iss"], claims["aud"], claims["sub"]) == (API, f"{API}/graphql", client_id)
    assert claims["org"] == org_id and set(claims["scope"].split()) == {"users:read", "users:write"}
    assert claims["jti"] and claims["exp"] > time.time()

    created_user = await bearer(
        api,
        token,
        doc.CREATE_USER,
        {"input": {"firstName": "Pat", "lastName": "Partner", "email": "pat@acme.example"}},
    )
    user = created_user.json()["data"]["createUser"]["user"]
    assert user["email"] == "pat@acme.example"
    listed = await bearer(api, token, doc.USERS, {"search": "pat"})
    assert listed.json()["data"]["users"]["totalCount"] == 1
    trail = await api.gql(admin, doc.AUDIT, {"targetId": user["id"]})
    event = trail["data"]["auditEvents"]["edges"][0]["node"]
    assert (event["actorType"], event["actorId"]) == ("client", client_id)

    metadata = (await api.browser().get("/.well-known/oauth-authorization-server")).json()
    assert metadata["token_endpoint"] == f"{API}/oauth/token"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    jwks = (await api.browser().get("/.well-known/jwks.json")).json()
    assert decoded.header["kid"] in [k["kid"] for k in jwks["keys"]]
    assert all("d" not in k for k in jwks["keys"])  # never the private part


async def test_bad_client_credentials_are_refused(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    created = await new_client(api, admin, ["users:read"])
    client_id = created["apiClient"]["clientId"]
    wrong = await token_for(api.browser(), client_id, "not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = await token_for(api.browser(), "rc_nobody", "whatever", post=True)
    assert unknown.status_code in (400, 401) and unknown.json()["error"] == "invalid_client"
    bad_grant = await api.browser().post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": client_id,
            "client_secret": created["clientSecret"],
        },
    )
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] in ("unsupported_grant_type", "unauthorized_client")
    narrower = await token_for(
        api.browser(), client_id, created["clientSecret"], scope="users:read users:write"
    )
    # RFC 6749 5.2: a scope the client lacks is refused, never quietly left out.
    assert narrower.status_code == 400 and narrower.json()["error"] == "invalid_scope"


async def test_revoking_a_client_stops_its_live_tokens_at_once(api: Api) -> None:
    admin, created, token = await partner(api, ["users:read"])
    assert (await bearer(api, token, doc.USERS)).status_code == 200
    revoked = await api.gql(admin, REVOKE_CLIENT, {"input": {"id": created["apiClient"]["id"]}})
    assert revoked["data"]["revokeApiClient"]["ok"] is True
    after = await bearer(api, token, doc.USERS)
    assert after.status_code == 401
    assert after.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    again = await token_for(
        api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
    )
    assert again.status_code == 401


async def forged(api: Api, **overrides: Any) -> str:
    """A token made with our own signing key, with some claims changed."""
    key_ring = api.transport.app.state["tokens"].key_ring  # type: ignore[attr-defined]
    signer = await key_ring.signer()
    now = int(time.time())
    claims = {
        "iss": API,
        "aud": f"{API}/graphql",
        "sub": "x",
        "client_id": "x",
        "org": "x",
        "scope": "admin",
        "iat": now,
        "exp": now + 300,
        "jti": "j",
    }
    header = {"alg": "ES256", "typ": overrides.pop("typ", "at+jwt")}
    claims.update(overrides)
    return jwt.encode(header, claims, signer)


async def test_tokens_that_are_not_good_here_are_refused(api: Api) -> None:
    admin, created, token = await partner(api, ["users:read"])
    client_id = created["apiClient"]["clientId"]
    org_id = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]["id"]
    mine = {"sub": client_id, "client_id": client_id, "org": org_id}
    now = int(time.time())
    cases = {
        "expired": await forged(api, **mine, iat=now - 7200, exp=now - 3600),
        "wrong audience": await forged(api, **mine, aud="https://other.example/api"),
        "wrong issuer": await forged(api, **mine, iss="https://other.example"),
        "an ID token (typ JWT)": await forged(api, **mine, typ="JWT"),
        "another organization": await forged(api, **{**mine, "org": "ffffffffffffffffffffffff"}),
        "garbage": "not.a.jwt",
    }
    other_key = ECKey.generate_key("P-256", parameters={"kid": "x"}, private=True)
    cases["signed by another key"] = jwt.encode(
        {"alg": "ES256", "typ": "at+jwt", "kid": "x"},
        {
            "iss": API,
            "aud": f"{API}/graphql",
            "sub": client_id,
            "client_id": client_id,
            "org": org_id,
            "scope": "admin",
            "exp": now + 300,
        },
        other_key,
    )
    for name, bad in cases.items():
        response = await bearer(api, bad, doc.USERS)
        assert response.status_code == 401, name
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name
    assert (await bearer(api, token, doc.USERS)).status_code == 200


async def test_a_missing_scope_is_forbidden_and_named(api: Api) -> None:
    _, _, token = await partner(api, ["users:read"])
    response = await bearer(
        api,
        token,
        doc.CREATE_USER,
        {"input": {"firstName": "X", "lastName": "Y", "email": "x@acme.example"}},
    )
    errors = response.json()["data"]["createUser"]["userErrors"]
    assert [(e["code"], e["message"]) for e in errors] == [
        ("FORBIDDEN", "This needs the scope users:write.")
    ]
    clients = await bearer(api, token, CLIENTS)
    assert clients.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    made = await bearer(api, token, CREATE_CLIENT, {"input": {"name": "x", "scopes": ["admin"]}})
    assert made.json()["data"]["createApiClient"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_an_admin_client_may_create_clients(api: Api) -> None:
    _, _, token = await partner(api, ["admin"])
    made = await bearer(
        api, token, CREATE_CLIENT, {"input": {"name": "sub", "scopes": ["users:read"]}}
    )
    payload = made.json()["data"]["createApiClient"]
    assert payload["userErrors"] == [] and payload["clientSecret"]


async def test_a_token_of_one_organization_cannot_reach_another(api: Api) -> None:
    _, _, token = await partner(api, ["users:read", "users:write"])
    admin_b, _ = await api.admin_of("beta")
    bea = await api.gql(
        admin_b,
        doc.CREATE_USER,
        {"input": {"firstName": "Bea", "lastName": "B", "email": "bea@beta.example"}},
    )
    bea_id = bea["data"]["createUser"]["user"]["id"]
    read = await bearer(api, token, doc.USER, {"id": bea_id})
    assert read.json()["data"]["user"] is None
    changed = await bearer(
        api, token, doc.UPDATE_USER, {"input": {"userId": bea_id, "firstName": "X"}}
    )
    assert [e["code"] for e in changed.json()["data"]["updateUser"]["userErrors"]] == ["NOT_FOUND"]


async def test_key_rotation_keeps_tokens_in_flight_valid(api: Api) -> None:
    _, created, old_token = await partner(api, ["users:read"])
    tokens = api.transport.app.state["tokens"]  # type: ignore[attr-defined]
    new_kid = await tokens.key_ring.rotate()
    fresh = await token_for(
        api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
    )
    new_token = fresh.json()["access_token"]
    assert jwt.decode(new_token, await tokens.key_ring.published()).header["kid"] == new_kid
    for token in (old_token, new_token):
        assert (await bearer(api, token, doc.USERS)).status_code == 200
    kids = [k["kid"] for k in (await api.browser().get("/.well-known/jwks.json")).json()["keys"]]
    assert len(kids) == 2 and new_kid in kids


async def test_idempotency_key_replays_and_refuses_reuse(api: Api) -> None:
    _, _, token = await partner(api, ["users:write", "users:read"])
    create = {"input": {"firstName": "Ida", "lastName": "Once", "email": "ida@acme.example"}}
    first = await bearer(api, token, doc.CREATE_USER, create, **{"Idempotency-Key": "k-1"})
    again = await bearer(api, token, doc.CREATE_USER, create, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["data"]["createUser"]["userErrors"] == []
    listed = await bearer(api, token, doc.USERS, {"search": "ida@"})
    assert listed.json()["data"]["users"]["totalCount"] == 1
    other = {"input": {"firstName": "Other", "lastName": "Body", "email": "o@acme.example"}}
    reused = await bearer(api, token, doc.CREATE_USER, other, **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
