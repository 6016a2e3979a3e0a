"""What production shows a stranger: no schema hints in errors, no open /metrics."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.integration.test_graphql_edge import app_client

METRICS_TOKEN = "scrape-" + "m" * 32
# Each would suggest a name of the schema: an unknown field, argument, enum value (inline
# and in a variable) and input field.
PROBES = [
    ("{ me { emial } }", {}),
    ("{ users(frist: 1) { totalCount } }", {}),
    ("{ users(seat: FUL) { totalCount } }", {}),
    ("query($s: Seat) { users(seat: $s) { totalCount } }", {"s": "FUL"}),
    (
        "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"firstName": "A", "lastName": "B", "emial": "a@b.example"}},
    ),
]


@pytest.fixture
def production(settings: Settings) -> Settings:
    return replace(
        settings,
        env="production",
        public_url="https://roster.example.com",
        secret_key="k" * 40,
        metrics_token=METRICS_TOKEN,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
    )


async def messages(settings: Settings, hasher: PasswordHasher) -> list[str]:
    found = []
    async with app_client(settings, hasher) as client:
        for query, variables in PROBES:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            errors = response.json()["errors"]
            assert errors, (query, response.text)
            found.append(" ".join(e["message"] for e in errors))
    return found


async def test_production_errors_suggest_no_names(
    settings: Settings, production: Settings, fast_hasher: PasswordHasher
) -> None:
    development = await messages(settings, fast_hasher)
    # The probes do draw suggestions where they are allowed...
    assert all("Did you mean" in m for m in development), development
    hidden = await messages(production, fast_hasher)
    # ...and none in production, where the rest of each message stays.
    for message in hidden:
        assert "Did you mean" not in message, message
        for name in ("'email'", "'first'", "'FULL'"):
            assert name not in message, message
    assert "Cannot query field 'emial' on type 'User'." in hidden[0]


async def test_metrics_needs_its_token_in_production(
    settings: Settings, production: Settings, fast_hasher: PasswordHasher
) -> None:
    async with app_client(production, fast_hasher) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert "roster_http_responses_total" not in refused.text
            assert refused.headers["www-authenticate"].startswith("Bearer")
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert allowed.status_code == 200 and "roster_http_responses_total" in allowed.text
    # Production settings built without a token (from_env refuses them) keep it shut.
    async with app_client(replace(production, metrics_token=None), fast_hasher) as client:
        assert (await client.get("/metrics")).status_code == 401
    async with app_client(settings, fast_hasher) as client:
        assert (await client.get("/metrics")).status_code == 200
