"""graphql_read_bearer: graphql_read's user read by id, as a partner tool makes it.

    python -m bench.graphql_read_bearer [--rounds N] [--seconds S] [--warmup S]
                                        [--connections C] [--app MODULE:NAME]

The same processes and the same seed as `bench.graphql_read`, plus an API client holding
users:read (create_api_client with Caller.system). Before the phases we take an access
token from POST /oauth/token (client_secret_basic); every request then carries
`Authorization: Bearer <token>`, with no cookie and no CSRF header. Both endpoints live in
the same server process (uvicorn, one worker, `bench_app` below) and read the same database:

- ours:  POST /graphql  graphql_read's query (the user and its four references)
  (bearer authentication: the JWT verified and the client read from api_clients; the
  partner rate limits counted, set far out of reach; Strawberry, the DataLoader,
  provisioning, store);
- bare:  GET /bench/bearer-user?id=...  a plain Starlette handler that verifies the token
  the same way (AccessTokens.principal from request.state.tokens: the ES256 signature and
  claims with joserfc, then the client read from api_clients), checks the users:read scope
  and makes the same reads with the raw pymongo collections, returning the same JSON.

Phases alternate (bare, graphql, ...); each has a warm-up and a timed window, measured as
graphql_read does: requests per second and the server process's CPU time per request. The
ratios, throughput (ours / bare) and CPU per request (bare / ours), are taken per round;
the result is the smaller of their medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bson import ObjectId
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench import graphql_read
from bench._loadgen import Phase
from bench._oauth import RATE_LIMITS_OFF, Partner, create_partner
from bench._processes import (
    HOST,
    dependencies,
    raise_on_sigterm,
    start_server,
    stop,
    wait_for_server,
)
from bench.graphql_read import (
    DATABASE,
    ORGANIZATION,
    QUERY,
    Endpoint,
    Measured,
    _graphql_body,
    _run_phase,
    user_json,
)
from server.embedded import EmbeddedDatabase, free_port

NAME = "graphql_read_bearer"
GOAL = 0.5
BARE_PATH = "/bench/bearer-user"
DEFAULT_APP = "bench.graphql_read_bearer:bench_app"


# ---------------------------------------------------------------- in the server process


def _unauthorized(message: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(body, status_code=401)


async def bare_bearer_user(request: Request) -> JSONResponse:
    """The baseline: the bearer check the GraphQL path makes, then the same user read."""
    from auth.access_tokens import AccessTokens, InvalidAccessToken
    from provisioning.access.principal import USERS_READ

    tokens: AccessTokens = request.state.tokens
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("A bearer token is required.")
    try:
        principal = await tokens.principal(token.strip())
    except InvalidAccessToken as error:
        return _unauthorized(str(error))
    user_id = request.query_params.get("id", "")
    user: dict[str, Any] | None = None
    # The same rule as provisioning.users.write.get_users for a client: it needs users:read.
    if ObjectId.is_valid(user_id) and principal.allows(USERS_READ):
        db = request.state.deps.store.db
        doc = await db["users"].find_one({"_id": ObjectId(user_id), "org_id": principal.org_id})
        user = await user_json(db, doc) if doc else None
    return JSONResponse({"data": {"user": user}})


def bench_app() -> Starlette:
    """The uvicorn factory: graphql_read's app (Roster's, from ROSTER_*) plus the bearer route."""
    app = graphql_read.bench_app()
    app.router.routes.append(Route(BARE_PATH, bare_bearer_user, methods=["GET"]))
    return app


# ---------------------------------------------------------------- set-up, in this process


async def _seed(uri: str) -> tuple[str, Partner]:
    """graphql_read's seed (an organization, its admin, a member) and an API client."""
    member_id = await graphql_read._seed(uri)
    async with dependencies(uri, DATABASE) as deps:
        organization = await deps.store.organizations.get_by_slug(ORGANIZATION)
        if organization is None:
            raise RuntimeError(f"graphql_read's seed made no organization {ORGANIZATION!r}")
        return member_id, await create_partner(deps, organization.id)


def _endpoints(access_token: str, user_id: str) -> tuple[Endpoint, Endpoint]:
    authorization = f"Bearer {access_token}"
    bare = Endpoint(
        "bare", "GET", f"{BARE_PATH}?id={user_id}", {"Authorization": authorization}, b""
    )
    ours = Endpoint(
        "graphql",
        "POST",
        "/graphql",
        {"Content-Type": "application/json", "Authorization": authorization},
        _graphql_body(QUERY, {"id": user_id}),
    )
    return bare, ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.graphql_read_bearer", description=__doc__
    )
    parser.add_argument("--rounds", type=int, default=5, help="bare+graphql phase pairs")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed window per phase")
    parser.add_argument("--warmup", type=float, default=0.5, help="warm-up per phase")
    parser.add_argument("--connections", type=int, default=12, help="keep-alive connections")
    parser.add_argument(
        "--app",
        default=DEFAULT_APP,
        help="the server's app factory, MODULE:NAME (to measure a variant; it must serve"
        f" {BARE_PATH} as bench_app does)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0 or args.connections < 1:
        parser.error("rounds and connections must be at least 1, seconds above 0")
    signal.signal(signal.SIGTERM, raise_on_sigterm)

    server: subprocess.Popen[bytes] | None = None
    runs: dict[str, list[Measured]] = {"bare": [], "graphql": []}
    with tempfile.TemporaryDirectory(prefix="bench-graphql-read-bearer-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            database_process = getattr(database, "_process", None)
            database_pid: int | None = database_process.pid if database_process else None
            member_id, partner = asyncio.run(_seed(database.uri))
            port = free_port(HOST)
            server = start_server(database.uri, port, args.app, DATABASE, RATE_LIMITS_OFF)
            wait_for_server(server, port)
            bare, ours = _endpoints(partner.access_token(port), member_id)

            bare_json, ours_json = bare.fetch(port), ours.fetch(port)
            if bare_json != ours_json or not (ours_json.get("data") or {}).get("user"):
                raise RuntimeError(
                    f"the answers differ:\n bare:    {bare_json}\n graphql: {ours_json}"
                )
            print(f"{NAME}: both endpoints answer {json.dumps(ours_json)}")
            print(
                f"{NAME}: {args.rounds} rounds of {args.warmup:g} s warm-up + {args.seconds:g} s,"
                f" {args.connections} keep-alive connections, phases alternate bare/graphql,"
                " Authorization: Bearer (ES256 at+jwt)",
                flush=True,
            )
            for round_number in range(1, args.rounds + 1):
                for endpoint in (bare, ours):
                    phase = Phase(
                        port=port,
                        request=endpoint.raw_request(port),
                        connections=args.connections,
                        warmup_seconds=args.warmup,
                        seconds=args.seconds,
                        watch_pids=[server.pid] + ([database_pid] if database_pid else []),
                    )
                    measured = _run_phase(phase, server.pid, database_pid)
                    runs[endpoint.name].append(measured)
                    print(
                        f"  round {round_number}  {endpoint.name:<8}"
                        f" {measured.per_second:8.1f} req/s"
                        f"  server CPU {measured.server_cpu_ms:6.3f} ms/req"
                        f"  (database CPU {measured.database_cpu_ms:6.3f} ms/req)",
                        flush=True,
                    )
        finally:
            stop(server)
            database.stop()

    median = statistics.median
    for name in ("bare", "graphql"):
        print(
            f"{name:<8} (median): {median(m.per_second for m in runs[name]):8.1f} req/s,"
            f" server CPU {median(m.server_cpu_ms for m in runs[name]):.3f} ms/request"
        )
    pairs = list(zip(runs["bare"], runs["graphql"], strict=True))
    throughput_ratio = median(o.per_second / b.per_second for b, o in pairs)
    cpu_ratio = median(b.server_cpu_ms / o.server_cpu_ms for b, o in pairs)
    print(f"throughput ratio (graphql / bare), median of rounds:      {throughput_ratio:.3f}")
    print(f"CPU per request ratio (bare / graphql), median of rounds: {cpu_ratio:.3f}")
    print(f"{NAME}: ratio {min(throughput_ratio, cpu_ratio):.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
