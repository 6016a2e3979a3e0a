"""graphql_read: one user read by id through the whole stack, against a bare handler.

    python -m bench.graphql_read [--rounds N] [--seconds S] [--warmup S] [--connections C]

Three processes, started here: the embedded database (secantusd-py), the API server
(uvicorn, one worker, running `bench_app` below) and, for each phase, the load generator
(`bench._loadgen`). Both endpoints live in the same server process and read the same
database in the same run:

- ours:  POST /graphql  `user(id: $id) { id email firstName lastName status department
  { id name } jobProfile { id name } permissionType { id name } company { id name } }`
  with the session cookie and `X-Roster-Request: 1` (session auth, Strawberry, the
  DataLoaders, provisioning, store);
- bare:  GET /bench/user?id=...  with the same cookie: a plain Starlette handler that makes
  the same MongoDB reads with the raw pymongo collections (the session by token hash, the
  user by _id and org_id, then its department, job profile, permission type and company at
  once) and returns the same JSON body.

Phases alternate (bare, graphql, bare, graphql, ...); each has a warm-up and a timed window.
For each we measure requests per second and the server process's CPU time per request
(utime + stime from /proc/<pid>/stat). Each round is one bare phase followed by one graphql
phase, so the two see the same background load; the ratios, throughput (ours / bare) and
CPU per request (bare / ours), are taken per round and their medians reported. The result
is the smaller of the two medians.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench._loadgen import Phase, PhaseResult
from bench._processes import (
    HOST,
    ROOT,
    dependencies,
    http_request,
    raise_on_sigterm,
    start_server,
    stop,
    wait_for_server,
)
from server.embedded import EmbeddedDatabase, free_port

NAME = "graphql_read"
GOAL = 0.8
DATABASE = "bench_graphql_read"
ORGANIZATION = "bench"
ADMIN_EMAIL = "admin@bench.example"
ADMIN_PASSWORD = "bench password, not a secret"  # noqa: S105
COOKIE = "roster_session"  # the development cookie name (ROSTER_ENV=development)
BARE_PATH = "/bench/user"
QUERY = (
    "query($id: ID!) { user(id: $id) { id email firstName lastName status"
    " department { id name } jobProfile { id name } permissionType { id name }"
    " company { id name } } }"
)
# GraphQL field -> (the user's reference field, the collection it names).
REFERENCES = {
    "department": ("department_id", "departments"),
    "jobProfile": ("job_profile_id", "job_profiles"),
    "permissionType": ("permission_type_id", "permission_types"),
    "company": ("company_id", "companies"),
}
DEFAULT_APP = "bench.graphql_read:bench_app"


# ---------------------------------------------------------------- in the server process


async def _reference(db: Any, org_id: str, collection: str, ref: str | None) -> Any:
    if not ref or not ObjectId.is_valid(ref):
        return None
    doc = await db[collection].find_one({"_id": ObjectId(ref), "org_id": org_id})
    return {"id": str(doc["_id"]), "name": doc["name"]} if doc else None


async def user_json(db: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """The answer for QUERY: the user and its four references, read at once (as GraphQL's
    DataLoaders read them in one tick)."""
    references = await asyncio.gather(
        *(
            _reference(db, doc["org_id"], collection, doc.get(field))
            for field, collection in REFERENCES.values()
        )
    )
    return {
        "id": str(doc["_id"]),
        "email": doc.get("email"),
        "firstName": doc["first_name"],
        "lastName": doc["last_name"],
        "status": doc["status"],
        **dict(zip(REFERENCES, references, strict=True)),
    }


async def bare_user(request: Request) -> JSONResponse:
    """The baseline: the same reads as the GraphQL path (the session, the user, its four
    references), with no framework between."""
    db = request.state.deps.store.db
    token = request.cookies.get(COOKIE)
    if not token:
        return JSONResponse({"data": None, "errors": [{"message": "Sign in first."}]})
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    session = await db["sessions"].find_one(
        {"_id": token_hash, "expires_at": {"$gt": datetime.now(UTC)}}
    )
    if session is None:
        return JSONResponse({"data": None, "errors": [{"message": "Sign in first."}]})
    user_id = request.query_params.get("id", "")
    user: dict[str, Any] | None = None
    # The same rule as provisioning.users.write.get_users: an admin reads anyone,
    # a member themselves.
    if ObjectId.is_valid(user_id) and (
        "ADMIN" in session.get("roles", ()) or session["user_id"] == user_id
    ):
        doc = await db["users"].find_one({"_id": ObjectId(user_id), "org_id": session["org_id"]})
        user = await user_json(db, doc) if doc else None
    return JSONResponse({"data": {"user": user}})


def bench_app() -> Starlette:
    """The uvicorn factory: Roster's serving app (server.app.app_from_environment, the
    collector tuned as in `roster serve`) plus the bare route, in the same process."""
    from server.app import app_from_environment

    app = app_from_environment()
    app.router.routes.append(Route(BARE_PATH, bare_user, methods=["GET"]))
    return app


# ---------------------------------------------------------------- set-up, in this process


async def _seed(uri: str) -> str:
    """An organization, its admin, and a member to read; returns the member's id."""
    from provisioning.admins import create_admin
    from provisioning.caller import Caller
    from provisioning.users.write import UserDraft, create_user

    async with dependencies(uri, DATABASE) as deps:
        created = await create_admin(deps, ORGANIZATION, ADMIN_EMAIL, ADMIN_PASSWORD)
        org_id = created.organization.id
        store = deps.store
        member = await create_user(
            deps,
            Caller.system(org_id),
            UserDraft(
                first_name="Grace",
                last_name="Hopper",
                email="grace@bench.example",
                department_id=(await store.departments.list(org_id))[0].id,
                job_profile_id=(await store.job_profiles.list(org_id))[0].id,
                permission_type_id=(await store.permission_types.list(org_id))[0].id,
            ),
        )
        return member.id


def _graphql_body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _sign_in(port: int) -> str:
    mutation = (
        "mutation($input: SignInInput!) { signIn(input: $input) {"
        " user { id } userErrors { code message } } }"
    )
    variables = {
        "input": {"organization": ORGANIZATION, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    }
    status, headers, body = http_request(
        port,
        "POST",
        "/graphql",
        _graphql_body(mutation, variables),
        {"Content-Type": "application/json", "X-Roster-Request": "1"},
    )
    if status != 200:
        raise RuntimeError(f"signIn answered {status}: {body!r}")
    for header in headers.get_all("set-cookie") or []:
        name, _, rest = header.partition("=")
        if name.strip() == COOKIE:
            return rest.split(";", 1)[0]
    raise RuntimeError(f"signIn set no {COOKIE} cookie: {body!r}")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def raw_request(self, port: int) -> str:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {HOST}:{port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return "\r\n".join(lines) + "\r\n\r\n" + self.body.decode("latin-1")

    def fetch(self, port: int) -> Any:
        body_sent = self.body or None
        status, _, body = http_request(port, self.method, self.path, body_sent, self.headers)
        if status != 200:
            raise RuntimeError(f"{self.name} answered {status}: {body!r}")
        return json.loads(body)


def _endpoints(token: str, user_id: str) -> tuple[Endpoint, Endpoint]:
    cookie = f"{COOKIE}={token}"
    bare = Endpoint("bare", "GET", f"{BARE_PATH}?id={user_id}", {"Cookie": cookie}, b"")
    ours = Endpoint(
        "graphql",
        "POST",
        "/graphql",
        {"Content-Type": "application/json", "Cookie": cookie, "X-Roster-Request": "1"},
        _graphql_body(QUERY, {"id": user_id}),
    )
    return bare, ours


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measured:
    per_second: float
    server_cpu_ms: float  # server CPU per request
    database_cpu_ms: float  # database CPU per request, for the reader's information


def _run_phase(phase: Phase, server_pid: int, database_pid: int | None) -> Measured:
    budget = phase.warmup_seconds + phase.seconds + 30
    completed = subprocess.run(
        [sys.executable, "-m", "bench._loadgen"],
        input=json.dumps(asdict(phase)).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=budget,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{completed.stderr.decode()}")
    raw = json.loads(completed.stdout)
    result = PhaseResult(**raw)
    if result.errors or result.requests == 0:
        raise RuntimeError(
            f"{result.errors} failed requests, {result.requests} good; last: {result.last_body}"
        )
    server_cpu = result.cpu_seconds[str(server_pid)]
    database_cpu = result.cpu_seconds.get(str(database_pid), 0.0)
    return Measured(
        per_second=result.per_second,
        server_cpu_ms=server_cpu * 1000 / result.requests,
        database_cpu_ms=database_cpu * 1000 / result.requests,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.graphql_read", description=__doc__)
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
    with tempfile.TemporaryDirectory(prefix="bench-graphql-read-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            database_process = getattr(database, "_process", None)
            database_pid: int | None = database_process.pid if database_process else None
            member_id = asyncio.run(_seed(database.uri))
            port = free_port(HOST)
            server = start_server(database.uri, port, args.app, DATABASE)
            wait_for_server(server, port)
            bare, ours = _endpoints(_sign_in(port), member_id)

            bare_json, ours_json = bare.fetch(port), ours.fetch(port)
            if bare_json != ours_json or not (ours_json.get("data") or {}).get("user"):
                raise RuntimeError(
                    f"the answers differ:\n bare:    {bare_json}\n graphql: {ours_json}"
                )
            print(f"{NAME}: both endpoints answer {json.dumps(ours_json)}")
            print(
                f"{NAME}: {args.rounds} rounds of {args.warmup:g} s warm-up + {args.seconds:g} s,"
                f" {args.connections} keep-alive connections, phases alternate bare/graphql",
                flush=True,
            )

            runs: dict[str, list[Measured]] = {"bare": [], "graphql": []}
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
    throughput_ratio = median(ours.per_second / bare.per_second for bare, ours in pairs)
    cpu_ratio = median(bare.server_cpu_ms / ours.server_cpu_ms for bare, ours in pairs)
    print(f"throughput ratio (graphql / bare), median of rounds:      {throughput_ratio:.3f}")
    print(f"CPU per request ratio (bare / graphql), median of rounds: {cpu_ratio:.3f}")
    print(f"{NAME}: ratio {min(throughput_ratio, cpu_ratio):.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
