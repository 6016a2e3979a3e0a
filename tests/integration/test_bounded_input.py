"""Bounded input: body limits, malformed bodies, and expected failures that stay typed."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.integration import documents as doc
from tests.integration import integration_docs as idoc
from tests.integration.conftest import ADMIN_PASSWORD, Api, running_api
from tests.integration.scim_support import access_token, scim_peer

MIB = 1024 * 1024
CSRF = {"X-Roster-Request": "1"}


def refused_with_request_id(response: httpx.Response, status: int) -> dict[str, Any]:
    """A JSON refusal that names the request, in the body and the X-Request-ID header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    request_id = response.headers["x-request-id"]
    assert request_id and request_id in response.text
    return body


class Upload:
    """A request body streamed in chunks with no Content-Length, counting what was sent."""

    def __init__(self, total: int, chunk: int = 64 * 1024, prefix: bytes = b"") -> None:
        self.total = total
        self.chunk = chunk
        self.prefix = prefix
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"a" * self.chunk


# ---------------------------------------------------------------- body limits


async def test_an_over_limit_json_body_to_graphql_is_refused_by_its_length(api: Api) -> None:
    query = idoc.RECORD
    entry = {"externalId": "x" * 1000, "occurredAt": "2024-01-01T00:00:00Z"}
    body = json.dumps(
        {
            "query": query,
            "variables": {"input": {"integrationKey": "k", "accounts": [entry] * 2000}},
        }
    )
    assert len(body) > 2 * MIB
    response = await api.browser().post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    refusal = refused_with_request_id(response, 413)
    assert refusal["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(api: Api) -> None:
    client = api.browser()
    upload = Upload(19 * MIB, prefix=b'{"query": "')
    response = await client.post(
        "/graphql", content=upload, headers={"content-type": "application/json"}
    )
    refused_with_request_id(response, 413)
    # Refused while streaming: the server answered before the client had sent it all.
    assert upload.sent < 2 * MIB


async def test_healthz_answers_while_a_large_request_streams_in(api: Api) -> None:
    client = api.browser()
    health: list[int] = []

    class Slow(Upload):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in super().__aiter__():
                if self.sent > 256 * 1024 and not health:
                    health.append((await api.browser().get("/healthz")).status_code)
                yield chunk

    upload = Slow(19 * MIB, prefix=b'{"query": "')
    response = await client.post(
        "/graphql", content=upload, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert health == [200]


async def test_a_body_that_stops_arriving_is_a_408(
    settings: Settings, fast_hasher: PasswordHasher
) -> None:
    """Part of a body, then nothing: without a limit the request would wait for ever."""
    stalled = asyncio.Event()

    async def half_a_body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ me { email '
        await stalled.wait()  # never set: the client goes quiet
        yield b'} }"}'

    quick = dataclasses.replace(settings, body_idle_seconds=1)
    async with running_api(quick, fast_hasher) as api:
        response = await api.browser().post(
            "/graphql", content=half_a_body(), headers={"content-type": "application/json"}
        )
    body = refused_with_request_id(response, 408)
    assert "stopped arriving" in body["errors"][0]["message"], body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/oauth/token", "application/x-www-form-urlencoded"),
        ("/scim/v2/Users", "application/scim+json"),
        ("/auth/logout", "application/json"),
        ("/no/such/route", "application/json"),
    ],
)
async def test_every_route_refuses_a_body_over_its_limit_by_length(
    api: Api, path: str, content_type: str
) -> None:
    response = await api.browser().post(
        path, content=b"a" * (2 * MIB), headers={"content-type": content_type, **CSRF}
    )
    refused_with_request_id(response, 413)


async def test_token_and_scim_bodies_are_cut_off_as_they_stream_in(api: Api) -> None:
    upload = Upload(19 * MIB)
    response = await api.browser().post(
        "/oauth/token",
        content=upload,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert refused_with_request_id(response, 413)["error"] == "invalid_request"
    assert upload.sent < MIB
    peer = await scim_peer(api)
    upload = Upload(19 * MIB)
    response = await peer.http.post(
        "/scim/v2/Users", content=upload, headers={"content-type": "application/scim+json"}
    )
    assert refused_with_request_id(response, 413)["status"] == "413"
    assert upload.sent < 2 * MIB


async def test_an_over_long_string_literal_is_a_typed_error(api: Api) -> None:
    literal = "a" * 200_000
    query = f'{{ users(search: "{literal}") {{ totalCount }} }}'
    response = await api.browser().post("/graphql", json={"query": query})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"
    commented = "{ me { id } }\n#" + "c" * 200_000
    response = await api.browser().post("/graphql", json={"query": commented})
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize("body", ["null", "42", '"a string"', "true", "[]", "[1]"])
async def test_a_graphql_body_that_is_not_an_object_is_a_400(api: Api, body: str) -> None:
    response = await api.browser().post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    refusal = refused_with_request_id(response, 400)
    assert refusal["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_graphql_body_nested_deep_is_a_400(api: Api) -> None:
    deep = '{"query": "{ me { id } }", "variables": {"a": ' + "[" * 5000 + "]" * 5000 + "}}"
    response = await api.browser().post(
        "/graphql", content=deep, headers={"content-type": "application/json"}
    )
    refused_with_request_id(response, 400)


async def test_a_huge_scim_start_index_is_a_400(api: Api) -> None:
    peer = await scim_peer(api)
    for path in ("/Users", "/Groups"):
        response = await peer.get(path, startIndex="99999999999999999999999")
        assert response.status_code == 400, response.text
        assert response.json()["scimType"] == "invalidValue"
        assert response.headers["x-request-id"]
    search = await peer.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "startIndex": 99999999999999999999999,
        },
    )
    assert search.status_code == 400, search.text


async def test_a_scim_body_nested_5000_deep_is_a_400(api: Api) -> None:
    peer = await scim_peer(api)
    deep = '{"schemas": ' + "[" * 5000 + "]" * 5000 + "}"
    response = await peer.http.post(
        "/scim/v2/Users", content=deep, headers={"content-type": "application/scim+json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["scimType"] == "invalidSyntax"
    assert response.headers["x-request-id"]  # SCIM's Error has no member for it


async def test_a_basic_header_that_is_not_utf8_at_the_token_endpoint_is_a_400(api: Api) -> None:
    basic = base64.b64encode(b"\xff\xfe:\xc3\x28").decode()
    response = await api.browser().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    refusal = refused_with_request_id(response, 400)
    assert refusal["error"] == "invalid_request"
    garbage = await api.browser().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%not-base64"},
    )
    assert garbage.status_code in (400, 401)
    assert garbage.json()["error"] in ("invalid_request", "invalid_client")


# ---------------------------------------------------------------- typed failures


async def member_of(api: Api, admin: httpx.AsyncClient, org_id: str) -> httpx.AsyncClient:
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Mem", "lastName": "Ber", "email": "m@acme.example"}},
    )
    member_id = body["data"]["createUser"]["user"]["id"]
    await api.give_password(org_id, member_id, ADMIN_PASSWORD)
    member = api.browser()
    await api.sign_in(member, "acme", "m@acme.example", ADMIN_PASSWORD)
    return member


async def test_a_member_asking_for_signup_settings_is_forbidden(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    member = await member_of(api, admin, org_id)
    body = await api.gql(member, "{ organization { id signupSettings { enabled } } }", csrf=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert body["errors"][0]["path"] == ["organization", "signupSettings"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation($input: SignInInput!) { signIn(input: $input) { userErrors { code } } }",
            {"input": {"organization": "acme", "login": "a\ud800b", "password": "x"}},
        ),
        (
            "mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input)"
            " { userErrors { code } } }",
            {"input": {"organization": "acme\udfff", "login": "someone@acme.example"}},
        ),
    ],
)
async def test_lone_surrogates_are_invalid_not_internal(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    await api.admin_of("acme")
    response = await api.browser().post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"content-type": "application/json", **CSRF},
    )
    assert response.status_code == 200, response.text
    codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
    assert codes == ["INVALID"], response.text


async def test_a_long_search_string_is_invalid(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    body = await api.gql(admin, doc.USERS, {"search": "s" * 100_000})
    assert body["errors"][0]["extensions"]["code"] == "INVALID", body
    huge = await admin.post(
        "/graphql",
        json={"query": doc.USERS, "variables": {"search": "s" * (10 * MIB)}},
        headers=CSRF,
    )
    assert huge.status_code == 413


async def test_a_partner_without_users_read_gets_forbidden_on_the_account_only(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [{"externalId": "bh-1", "occurredAt": "2024-05-01T10:00:00+00:00", "email": "j@x.example"}],
    )
    accounts = await idoc.unlinked(api, admin, "bullhorn")
    account_id = accounts["edges"][0]["node"]["id"]
    created = await idoc.create_user(api, admin, "j@x.example", [account_id])
    integration = idoc.data(
        await api.gql(admin, idoc.INTEGRATION, {"key": "bullhorn"}), "integration"
    )
    requested = await api.gql(
        admin,
        idoc.REQUEST_BACKFILL,
        {
            "input": {
                "userId": created["user"]["id"],
                "integrationId": integration["id"],
                "since": "2024-04-01T00:00:00+00:00",
            }
        },
    )
    assert idoc.data(requested, "requestBackfill")["userErrors"] == []
    token = await access_token(api, admin, ["integrations:write"])
    response = await api.browser().post(
        "/graphql",
        json={"query": idoc.BACKFILLS, "variables": {"key": "bullhorn"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"FORBIDDEN"}, body
    node = body["data"]["backfillRequests"]["edges"][0]["node"]
    assert node["status"] == "PENDING" and node["account"] is None


async def test_variables_with_too_many_values_are_refused_before_coercion(api: Api) -> None:
    entry = {"externalId": "x", "occurredAt": "2024-01-01T00:00:00Z"}
    many = {"input": {"integrationKey": "k", "accounts": [entry] * 5000}}
    response = await api.browser().post(
        "/graphql",
        content=json.dumps({"query": idoc.RECORD, "variables": many}),
        headers={"content-type": "application/json"},
    )
    assert len(response.request.content) < MIB
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    # The largest legal input, 1,000 entries with every field, is within the bound.
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    full = {
        "externalId": "x",
        "email": "x@acme.example",
        "displayName": "X Y",
        "firstName": "X",
        "lastName": "Y",
        "occurredAt": "2024-01-01T00:00:00Z",
    }
    accounts = [{**full, "externalId": f"x{i}"} for i in range(1000)]
    recorded = await idoc.record(api, admin, "bullhorn", accounts)
    assert (recorded["recorded"], recorded["userErrors"]) == (1000, [])
