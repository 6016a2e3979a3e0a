"""The `roster` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from config.settings import Settings, SettingsError
from provisioning.admins import create_admin
from provisioning.errors import DomainError
from server import (
    api_client_commands,
    idp_commands,
    import_commands,
    integration_commands,
    running_server,
    sync_commands,
)
from server.connections import connection_limits
from server.console_build import ensure_console_built
from server.demo import ADMIN_EMAIL as DEMO_ADMIN_EMAIL
from server.demo import ADMIN_PASSWORD as DEMO_ADMIN_PASSWORD
from server.demo import Demo, demo_provider, seed_demo
from server.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from server.interruptible import run_interruptible
from server.runtime import (
    database_uri,
    opened_dependencies,
    outbound_policy_from,
    print_problems,
    with_running_public_url,
)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if "ROSTER_PUBLIC_URL" not in os.environ:
        # Links and redirect URIs must name the address we really listen on.
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
        settings = dataclasses.replace(settings, public_url=f"http://{host}:{args.port}")
    ensure_console_built()
    with contextlib.ExitStack() as stack:
        uri = stack.enter_context(serving_database(settings))
        # The app is built by uvicorn's factory from the environment, so --reload works too.
        os.environ["ROSTER_MONGODB_URI"] = uri
        os.environ["ROSTER_DATA_DIR"] = str(settings.data_dir)
        os.environ["ROSTER_PUBLIC_URL"] = settings.public_url
        if args.demo:
            issuer = stack.enter_context(demo_provider(settings.data_dir))
            demo = asyncio.run(_seed_demo(settings, uri, issuer))
            print(
                f"demo: sign in with SSO at {demo.login_url}\n"
                f"      (pick 'admin' on the provider's page for the admin console; 'ada' and"
                f" 'grace' are members), or with a password as"
                f" {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD!r} in organization 'demo'",
                file=sys.stderr,
            )
        # uvicorn re-raises the SIGTERM it caught once it has shut down, which would kill
        # this process before the embedded database is stopped: exit normally instead.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(
            f"Roster on {settings.public_url}: the console at /, GraphQL at /graphql",
            file=sys.stderr,
        )
        uvicorn.run(
            "server.app:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            reload=args.reload,
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
            log_level="info",
            **connection_limits(settings),
        )
    return 0


@contextlib.contextmanager
def serving_database(settings: Settings) -> Iterator[str]:
    """ROSTER_MONGODB_URI if set; otherwise the embedded database, supervised, and recorded
    in the data dir for the other commands while we run."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri
        return
    data_dir = settings.data_dir
    other = running_server.find(data_dir)
    if other is not None:
        raise EmbeddedDatabaseError(
            f"roster serve (pid {other.pid}, {other.public_url}) already runs on"
            f" {data_dir.resolve()}: stop it first, or use another --data-dir"
        )
    print(f"starting the embedded database in {data_dir.resolve()}", file=sys.stderr)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    database = EmbeddedDatabase(data_dir, supervise=True)

    def record(database_pid: int) -> None:
        running_server.write(
            data_dir,
            running_server.RunningServer(
                pid=os.getpid(),
                database_pid=database_pid,
                database_uri=database.uri,
                public_url=settings.public_url,
            ),
        )

    database.on_start = record
    with database:
        try:
            yield database.uri
        finally:
            running_server.remove(data_dir, os.getpid())


async def _seed_demo(settings: Settings, uri: str, issuer: str) -> Demo:
    async with opened_dependencies(settings, uri) as deps:
        return await seed_demo(deps, issuer, settings.public_url)


async def _create_admin(settings: Settings, uri: str, args: argparse.Namespace) -> int:
    first, _, last = (args.name or "Admin User").strip().partition(" ")
    async with opened_dependencies(settings, uri) as deps:
        try:
            created = await create_admin(
                deps, args.org, args.email, args.password, first or "Admin", last or "User"
            )
        except DomainError as error:
            print_problems(error)
            return 1
    verb = "created" if created.organization_created else "found"
    print(f"organization {created.organization.slug} {verb} (id {created.organization.id})")
    print(f"admin {created.user.email} created (id {created.user.id})")
    return 0


def create_admin_command(args: argparse.Namespace, settings: Settings) -> int:
    with database_uri(settings) as uri:
        return run_interruptible(_create_admin(settings, uri, args))


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
    serve_parser.add_argument(
        "--demo",
        action="store_true",
        help="also run a development OIDC provider and a demo organization that signs in with it",
    )
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
    idp_commands.register(commands)
    api_client_commands.register(commands)
    integration_commands.register(commands)
    sync_commands.register(commands)
    import_commands.register(commands)
    return root


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    environ = dict(os.environ)
    if getattr(args, "data_dir", None) is not None:
        environ["ROSTER_DATA_DIR"] = str(args.data_dir)
    try:
        settings = Settings.from_env(environ)
        outbound_policy_from(settings)  # checked here too, so that it is told as plainly
    except SettingsError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 2
    if args.handler is not serve:
        settings = with_running_public_url(settings, environ)
        # SIGTERM ends a command as Ctrl-C does. In its async work, run_interruptible
        # cancels the work where it waits, so that it hands back what it holds (an import
        # job, a sync lease) rather than dying with it held.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        code: int = args.handler(args, settings)
    except EmbeddedDatabaseError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nroster: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
