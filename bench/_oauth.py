"""What the partner-access benchmarks share: an API client to seed, the server to start with
rate limits out of the way, and the client-credentials token request (not a benchmark)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bench.graphql_read import Endpoint
from provisioning.dependencies import Dependencies

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a password
CLIENT_NAME = "Bench partner"
SCOPE = "users:read"
# Limits far above what a benchmark can send, so that no request is refused with a 429;
# the window stays the default (60 s). The GraphQL path still counts every bearer request
# (two upserts per request); /oauth/token is not rate-limited.
RATE_LIMITS_OFF: dict[str, str] = {
    "ROSTER_RATE_LIMIT_PER_CLIENT": str(10**12),
    "ROSTER_RATE_LIMIT_PER_ORGANIZATION": str(10**12),
    # Longer than any run, so that no token expires under load.
    "ROSTER_ACCESS_TOKEN_TTL_SECONDS": "3600",
}


@dataclass(frozen=True)
class Partner:
    """A seeded API client: its organization, client id and the secret shown once."""

    org_id: str
    client_id: str
    secret: str

    @property
    def basic_authorization(self) -> str:
        """client_secret_basic (RFC 6749 §2.3.1: both parts form-encoded, then base64)."""
        pair = f"{quote(self.client_id, safe='')}:{quote(self.secret, safe='')}"
        return "Basic " + base64.b64encode(pair.encode()).decode("ascii")

    def token_endpoint(self) -> Endpoint:
        """The client-credentials grant, the same request every time."""
        return Endpoint(
            "token",
            "POST",
            TOKEN_PATH,
            {
                "Authorization": self.basic_authorization,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            b"grant_type=client_credentials",
        )

    def access_token(self, port: int) -> str:
        answer: Any = self.token_endpoint().fetch(port)
        check_grant(answer)
        return str(answer["access_token"])


def check_grant(answer: Any) -> None:
    """The token response is a bearer RFC 9068 JWT with the scope asked for."""
    if not isinstance(answer, dict) or answer.get("token_type", "").lower() != "bearer":
        raise RuntimeError(f"not a bearer token response: {answer!r}")
    token = str(answer.get("access_token", ""))
    head = token.split(".", 1)[0]
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    if header.get("typ") != "at+jwt" or header.get("alg") != "ES256":
        raise RuntimeError(f"not an ES256 at+jwt access token: header {header!r}")
    if SCOPE not in str(answer.get("scope", "")).split():
        raise RuntimeError(f"the token lacks {SCOPE}: {answer!r}")


async def create_partner(deps: Dependencies, org_id: str) -> Partner:
    """An API client with users:read, created as the operator would (Caller.system)."""
    from provisioning.api_clients import create_api_client
    from provisioning.caller import Caller

    created = await create_api_client(deps, Caller.system(org_id), CLIENT_NAME, [SCOPE])
    return Partner(org_id=org_id, client_id=created.client.client_id, secret=created.secret)
