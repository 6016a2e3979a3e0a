"""Dependencies for command-line work: the same ones the app builds in its lifespan."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from config.settings import Settings, SettingsError
from provisioning.access.passwords import PasswordHasher
from provisioning.access.secret_box import SecretBox
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies, Limits
from provisioning.errors import DomainError
from provisioning.outbound import OutboundPolicy
from server import running_server
from server.embedded import EmbeddedDatabase
from server.interruptible import run_interruptible
from store.database import Store
from store.indexes import ensure_indexes
from store.types import Document


def limits_from(settings: Settings) -> Limits:
    return Limits(
        session_ttl_seconds=settings.session_ttl_seconds,
        login_failures_per_login=settings.login_failures_per_login,
        login_failures_per_address=settings.login_failures_per_address,
        login_failure_window_seconds=settings.login_failure_window_seconds,
        allow_loopback_http_issuers=not settings.production,
        import_max_bytes=settings.import_max_bytes,
        import_max_rows=settings.import_max_rows,
        import_file_retention_seconds=settings.import_file_retention_seconds,
    )


def mongo_client(uri: str, **options: Any) -> AsyncMongoClient[Document]:
    """The client the app and the commands use. Writes wait for the journal: SecantusDB
    acknowledges a default write before it is durable, and a SIGKILL of it lost every such
    write (measured: 20 of 20; 0 of 20 with j, at 0.9 ms rather than 0.75 per insert)."""
    return AsyncMongoClient(uri, tz_aware=True, journal=True, **options)


def outbound_policy_from(settings: Settings) -> OutboundPolicy:
    """Development may reach loopback peers; production only public addresses, and the
    allow-listed ones. SettingsError for a bad entry, or an SMS gateway it refuses."""
    try:
        policy = OutboundPolicy.of(
            settings.outbound_allowed_hosts, allow_loopback=not settings.production
        )
    except ValueError as error:
        raise SettingsError(f"ROSTER_OUTBOUND_ALLOWED_HOSTS: {error}") from error
    problem = policy.url_problem(settings.sms_url) if settings.sms_url else None
    if problem is not None:
        raise SettingsError(f"ROSTER_SMS_URL: {problem}")
    return policy


@contextlib.asynccontextmanager
async def opened_dependencies(settings: Settings, uri: str) -> AsyncIterator[Dependencies]:
    """A client on `uri`, indexes ensured, and Dependencies on it; closed on exit."""
    client = mongo_client(uri)
    try:
        database = client[settings.database_name]
        await ensure_indexes(database)
        yield Dependencies(
            store=Store.on(database),
            hasher=PasswordHasher(),
            limits=limits_from(settings),
            secret_box=SecretBox(settings.secret_key),
            outbound=outbound_policy_from(settings),
            public_url=settings.public_url,
        )
    finally:
        await client.close()


@contextlib.contextmanager
def database_uri(settings: Settings) -> Iterator[str]:
    """ROSTER_MONGODB_URI if set; otherwise the database of the `roster serve` running on
    the data dir, or else an embedded database of our own for the command's time."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    server = running_server.find(settings.data_dir)
    if server is not None:
        print(
            f"using the database of roster serve (pid {server.pid}) on"
            f" {settings.data_dir.resolve()}",
            file=sys.stderr,
        )
        yield server.database_uri
        return
    print(f"starting the embedded database in {settings.data_dir.resolve()}", file=sys.stderr)
    with EmbeddedDatabase(settings.data_dir) as embedded:
        yield embedded.uri


def with_running_public_url(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """Without ROSTER_PUBLIC_URL, a command's links and token endpoint are those of the
    `roster serve` running on its data dir (which may listen on another port than 8000)."""
    if environ.get("ROSTER_PUBLIC_URL") or settings.mongodb_uri:
        return settings
    server = running_server.read(settings.data_dir)
    if server is None:
        return settings
    return dataclasses.replace(settings, public_url=server.public_url)


def print_problems(error: DomainError) -> None:
    for problem in error.problems:
        where = ".".join(problem.field or ()) or "-"
        print(f"error: {problem.code} ({where}): {problem.message}", file=sys.stderr)


OrgAction = Callable[[Dependencies, Caller, Settings, argparse.Namespace], Awaitable[int]]
Handler = Callable[[argparse.Namespace, Settings], int]


def add_org_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", required=True, help="the organization's slug")
    parser.add_argument("--data-dir", type=Path, help="embedded database data (./.roster-data)")


def org_command(action: OrgAction) -> Handler:
    """A command that acts in one organization (--org) as the operator, with full rights."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        with database_uri(settings) as uri:
            return run_interruptible(_in_organization(action, settings, uri, args))

    return handler


async def _in_organization(
    action: OrgAction, settings: Settings, uri: str, args: argparse.Namespace
) -> int:
    async with opened_dependencies(settings, uri) as deps:
        organization = await deps.store.organizations.get_by_slug(args.org.strip().lower())
        if organization is None:
            print(f"error: no organization {args.org!r}", file=sys.stderr)
            return 1
        try:
            return await action(deps, Caller.system(organization.id), settings, args)
        except DomainError as error:
            print_problems(error)
            return 1
