"""The whole app over HTTP (in-process ASGI), its lifespan run as uvicorn would run it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pymongo import monitoring
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.admins import create_admin
from provisioning.dependencies import Dependencies
from server.app import create_app
from tests.integration.mailbox import smtp  # noqa: F401 - the fixture, for every test here
from tests.integration.moving_clock import clock, timed  # noqa: F401 - fixtures, as smtp
from tests.integration.planner import scan_problem

ADMIN_PASSWORD = "correct horse battery staple"


def filters_of(command_name: str, command: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The query filters a command carries (find, count, findAndModify, update, delete),
    except those that name their index (a hint)."""
    if command_name == "find" and "hint" not in command:
        return [command.get("filter") or {}]
    if command_name in ("count", "findAndModify") and "hint" not in command:
        return [command.get("query") or {}]
    if command_name == "aggregate":
        pipeline = command.get("pipeline") or [{}]
        return [pipeline[0]["$match"]] if "$match" in pipeline[0] else []
    if command_name == "update":
        return [u.get("q") or {} for u in command.get("updates", ()) if "hint" not in u]
    if command_name == "delete":
        return [d.get("q") or {} for d in command.get("deletes", ()) if "hint" not in d]
    return []


def led_by_id(query: Mapping[str, Any]) -> bool:
    """Whether a filter that looks documents up by _id (a value or $in) names _id first.
    SecantusDB's planner serves a filter that no compound index covers by its first
    clause that has an index: {org_id, _id} walks every document of the organization
    (41 ms at 2,000 documents) where {_id, org_id} is a point lookup (0.5 ms)."""
    clause = query.get("_id")
    if clause is None or len(query) == 1:
        return True
    point = not isinstance(clause, Mapping) or set(clause) <= {"$in", "$eq"}
    return not point or next(iter(query)) == "_id"


class CommandCounter(monitoring.CommandListener):
    """Counts the commands the app sends to MongoDB (pymongo's command monitoring)."""

    # The app's background pollers (outbox sender, import worker and its file sweep, sync
    # scheduler) query these on their own schedule: not part of the request being counted.
    BACKGROUND = frozenset(
        {"outbox", "import_jobs", "import_files.files", "import_files.chunks", "sync_configs"}
    )

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.collections: list[str] = []
        self.finds: list[tuple[str, dict[str, Any]]] = []  # (collection, filter), for explain
        # Filters that look a document up by _id but name another field first, and filters
        # the embedded database's planner serves by reading far more than they select.
        self.misordered: list[str] = []
        self.scans: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        for query in filters_of(event.command_name, event.command):
            if not led_by_id(query):
                self.misordered.append(f"{event.command_name} {collection}: {query}")
            problem = scan_problem(collection, query) if isinstance(collection, str) else None
            if problem is not None:
                self.scans.append(f"{event.command_name} {collection}: {query}: {problem}")
        if isinstance(collection, str) and collection in self.BACKGROUND:
            return
        self.commands.append(event.command_name)
        self.collections.append(collection if isinstance(collection, str) else "")
        if event.command_name == "find" and isinstance(collection, str):
            self.finds.append((collection, dict(event.command.get("filter", {}))))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    IGNORED = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "createIndexes"})

    def clear(self) -> None:
        self.commands.clear()
        self.collections.clear()
        self.finds.clear()

    def data_commands(self) -> list[str]:
        return [c for c in self.commands if c not in self.IGNORED]

    def data_commands_on(self) -> list[str]:
        """Each data command with its collection ("find users"), for assertion messages."""
        return [
            f"{command} {collection}"
            for command, collection in zip(self.commands, self.collections, strict=True)
            if command not in self.IGNORED
        ]


class WithLifespanState:
    """Puts the lifespan's state into every request scope, as a server does."""

    def __init__(self, app: Starlette, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = dict(self.state)
        await self.app(scope, receive, send)


@dataclass
class Api:
    transport: httpx.ASGITransport
    deps: Dependencies
    counter: CommandCounter
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def browser(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A new client with its own cookie jar, as a separate browser would be."""
        transport = httpx.ASGITransport(app=self.transport.app, client=(address, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.clients.append(client)
        return client

    async def gql(
        self,
        client: httpx.AsyncClient,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        csrf: bool = True,
    ) -> dict[str, Any]:
        headers = {"X-Roster-Request": "1"} if csrf else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def admin_of(self, slug: str, email: str | None = None) -> tuple[httpx.AsyncClient, str]:
        """An organization (created if new) with a signed-in admin: (their browser, org id)."""
        email = email or f"admin@{slug}.example"
        created = await create_admin(self.deps, slug, email, ADMIN_PASSWORD, "Ada", "Admin")
        client = self.browser()
        result = await self.sign_in(client, slug, email, ADMIN_PASSWORD)
        assert result["data"]["signIn"]["userErrors"] == [], result
        return client, created.organization.id

    async def give_password(self, org_id: str, user_id: str, password: str) -> None:
        """What accepting an invitation will do (a later issue): a password, status ACTIVE."""
        changes = {"password_hash": self.deps.hasher.hash(password), "status": "ACTIVE"}
        assert await self.deps.store.users.update(org_id, user_id, changes) is not None

    async def sign_in(
        self, client: httpx.AsyncClient, org: str, login: str, password: str
    ) -> dict[str, Any]:
        return await self.gql(
            client,
            """mutation($input: SignInInput!) { signIn(input: $input) {
                 user { id email roles } userErrors { field code message } } }""",
            {"input": {"organization": org, "login": login, "password": password}},
        )


@contextlib.asynccontextmanager
async def running_api(settings: Settings, hasher: PasswordHasher) -> AsyncIterator[Api]:
    """One app instance, its lifespan running; several may share one database."""
    counter = CommandCounter()
    app = create_app(settings, hasher=hasher, mongo_listeners=[counter])
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        transport = httpx.ASGITransport(app=WithLifespanState(app, dict(state)))
        api = Api(transport=transport, deps=state["deps"], counter=counter)
        try:
            yield api
        finally:
            for client in api.clients:
                await client.aclose()


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with running_api(settings, fast_hasher) as api:
        try:
            yield api
        finally:
            with contextlib.suppress(Exception):
                await api.deps.store.db.client.drop_database(settings.database_name)
        # Every test through the app also checks the store's lookups by _id.
        assert api.counter.misordered == [], "\n".join(api.counter.misordered)
        assert api.counter.scans == [], "\n".join(api.counter.scans)
