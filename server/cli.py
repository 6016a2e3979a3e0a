"""The `roster` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from pymongo import AsyncMongoClient

from auth.passwords import PasswordHasher
from auth.secret_box import SecretBox
from provisioning.admins import create_admin
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError
from server.app import limits_from
from server.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from server.settings import Settings, SettingsError
from store.database import Store
from store.indexes import ensure_indexes
from store.types import Document


@contextlib.contextmanager
def database_uri(settings: Settings) -> Iterator[str]:
    """ROSTER_MONGODB_URI if set; otherwise the embedded database on the data dir."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    print(f"starting the embedded database in {settings.data_dir.resolve()}", file=sys.stderr)
    with EmbeddedDatabase(settings.data_dir) as embedded:
        yield embedded.uri


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    with database_uri(settings) as uri:
        # The app is built by uvicorn's factory from the environment, so --reload works too.
        os.environ["ROSTER_MONGODB_URI"] = uri
        os.environ["ROSTER_DATA_DIR"] = str(settings.data_dir)
        # uvicorn re-raises the SIGTERM it caught once it has shut down, which would kill
        # this process before the embedded database is stopped: exit normally instead.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(f"Roster on http://{args.host}:{args.port}/graphql", file=sys.stderr)
        uvicorn.run(
            "server.app:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            reload=args.reload,
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
            log_level="info",
        )
    return 0


async def _create_admin(settings: Settings, uri: str, args: argparse.Namespace) -> int:
    first, _, last = (args.name or "Admin User").strip().partition(" ")
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[settings.database_name]
        await ensure_indexes(database)
        deps = Dependencies(
            store=Store.on(database),
            hasher=PasswordHasher(),
            limits=limits_from(settings),
            secret_box=SecretBox(settings.secret_key),
        )
        created = await create_admin(
            deps, args.org, args.email, args.password, first or "Admin", last or "User"
        )
    except DomainError as error:
        for problem in error.problems:
            where = ".".join(problem.field or ()) or "-"
            print(f"error: {problem.code} ({where}): {problem.message}", file=sys.stderr)
        return 1
    finally:
        await client.close()
    verb = "created" if created.organization_created else "found"
    print(f"organization {created.organization.slug} {verb} (id {created.organization.id})")
    print(f"admin {created.user.email} created (id {created.user.id})")
    return 0


def create_admin_command(args: argparse.Namespace, settings: Settings) -> int:
    with database_uri(settings) as uri:
        return asyncio.run(_create_admin(settings, uri, args))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="roster", description="Roster: users and their accounts")
    commands = root.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="run the API")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument(
        "--data-dir", type=Path, help="embedded database data (./.roster-data)"
    )
    serve_parser.add_argument("--reload", action="store_true", help="restart on code changes")
    serve_parser.set_defaults(handler=serve)

    admin_parser = commands.add_parser(
        "create-admin", help="create an organization (if new) and an ADMIN user in it"
    )
    admin_parser.add_argument("--org", required=True, help="the organization's slug")
    admin_parser.add_argument("--email", required=True)
    admin_parser.add_argument("--password", required=True)
    admin_parser.add_argument("--name", help='"First Last"')
    admin_parser.add_argument(
        "--data-dir", type=Path, help="embedded database data (./.roster-data)"
    )
    admin_parser.set_defaults(handler=create_admin_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    environ = dict(os.environ)
    if getattr(args, "data_dir", None) is not None:
        environ["ROSTER_DATA_DIR"] = str(args.data_dir)
    try:
        settings = Settings.from_env(environ)
    except SettingsError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 2
    try:
        code: int = args.handler(args, settings)
    except EmbeddedDatabaseError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
