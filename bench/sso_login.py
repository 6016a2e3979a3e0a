"""sso_login: complete SSO logins per second through Roster, against a minimal correct
relying party doing the same login in the same server.

    python -m bench.sso_login [--rounds N] [--seconds S] [--warmup S] [--concurrency C]
                              [--baseline-client shared|per-login]
                              [--provider fast|oidc-provider]

Four kinds of process, all on 127.0.0.1 and started here: the embedded database
(secantusd-py), an OpenID provider (`bench._provider`, which signs the person named by
`login_hint` in at once with no form and issues RS256 ID tokens, or the certified
oidc-provider under Node with its login and consent forms filled in at every login), the
API server (uvicorn, one worker, running `bench._sso_relying_parties:bench_app`) and, for
each phase, the load generator (`bench._sso_loadgen`), whose browsers each do one complete
login after another. Three relying parties live in the same server process and use the
same provider in the same run:

- ours: GET /auth/bench/login?provider=ID&return_to=/done&login_hint=EMAIL, the provider,
  GET /auth/bench/callback: the transaction taken, the RFC 9207 iss checked, the code
  exchanged with Authlib, the ID token verified (signature, iss, aud, azp, exp, iat,
  nonce), the user found by its identity (or created just in time on a first login), a
  server-side session started and audited, 303 to /done with the session cookie;
- minimal (the ratio's baseline, `MinimalRelyingParty`): the same flow with only the
  database work a correct server-side login cannot avoid, in raw pymongo: the login
  transaction stored and taken, the identity and its user read, the session inserted, the
  last login recorded, the audit event appended; the same ID-token verification;
- bare (for information, `BaselineSso`): state and PKCE in process memory, Authlib's
  token exchange, no ID-token checks, no database.

Each round runs four phases one after the other, so that they see the same background
load: first logins (new people), bare, minimal and returning logins (people created by
earlier first-login phases). Each phase has a warm-up and a timed window; for each we
measure logins per second, the server's CPU per login (and the provider's, the
database's and the load generator's) and the MongoDB commands per login. The ratio printed
last is the median over rounds of returning logins per second / the minimal relying
party's (goal 0.8); CPU ratios and the bare baseline are printed for information.

`--baseline-client per-login` makes the bare and minimal relying parties build a new
AsyncOAuth2Client for every token exchange, as auth/oidc.py's exchange_code does.
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
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlencode

from bench._processes import HOST, ROOT, http_request, stop, wait_for_server
from bench._sso_loadgen import Browser, SsoPhase, SsoPhaseResult
from bench._sso_relying_parties import (
    BASELINE_PREFIX,
    COMMANDS_PATH,
    MINIMAL_PREFIX,
    ORGANIZATION,
    SESSION_COOKIE,
)
from bench._sso_setup import (
    EMAIL_DOMAIN,
    configure_provider,
    seed,
    start_provider,
    start_server,
    wait_for_provider,
)
from server.embedded import EmbeddedDatabase, free_port

NAME = "sso_login"
GOAL = 0.8
RETURN_TO = "/done"
DEFAULT_APP = "bench._sso_relying_parties:bench_app"


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measured:
    per_second: float
    server_cpu_ms: float  # server CPU per login
    provider_cpu_ms: float
    database_cpu_ms: float
    loadgen_cpu_ms: float
    commands: dict[str, float]  # MongoDB commands per login, by name


def _command_counts(port: int) -> dict[str, int]:
    status, _, body = http_request(port, "GET", COMMANDS_PATH, None, {})
    if status != 200:
        raise RuntimeError(f"{COMMANDS_PATH} answered {status}: {body!r}")
    counts: dict[str, int] = json.loads(body)
    return counts


def _run_phase(phase: SsoPhase, pids: Mapping[str, int | None]) -> tuple[Measured, list[str]]:
    budget = phase.warmup_seconds + phase.seconds + 30
    commands_before = _command_counts(phase.server_port)
    completed = subprocess.run(
        [sys.executable, "-m", "bench._sso_loadgen"],
        input=json.dumps(asdict(phase)).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=budget,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{completed.stderr.decode()}")
    result = SsoPhaseResult(**json.loads(completed.stdout))
    if result.errors or result.logins == 0:
        raise RuntimeError(
            f"{phase.name}: {result.errors} failed logins, {result.logins} good;"
            f" last error: {result.last_error}"
        )
    commands_after = _command_counts(phase.server_port)

    def per_login(name: str) -> float:
        pid = pids.get(name)
        return result.cpu_seconds.get(str(pid), 0.0) * 1000 / result.logins if pid else 0.0

    measured = Measured(
        per_second=result.per_second,
        server_cpu_ms=per_login("server"),
        provider_cpu_ms=per_login("provider"),
        database_cpu_ms=per_login("database"),
        loadgen_cpu_ms=result.own_cpu_seconds * 1000 / result.logins,
        commands={
            name: (count - commands_before.get(name, 0)) / result.all_logins
            for name, count in commands_after.items()
            if count > commands_before.get(name, 0)
        },
    )
    return measured, result.completed


async def _check_flows(flows: list[tuple[SsoPhase, str]]) -> None:
    """One login of each kind, in order, before any timing: every flow must complete."""
    for phase, hint in flows:
        browser = Browser(phase)
        try:
            await browser.login(hint)
        finally:
            browser.close()


def raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sso_login", description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of three phases")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed window per phase")
    parser.add_argument("--warmup", type=float, default=0.75, help="warm-up per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="browsers logging in at once")
    parser.add_argument(
        "--baseline-client",
        choices=["shared", "per-login"],
        default="shared",
        help="the baseline's AsyncOAuth2Client: one for the app (default), or a new one per"
        " login as Roster's auth/oidc.py builds",
    )
    parser.add_argument(
        "--provider",
        choices=["fast", "oidc-provider"],
        default="fast",
        help="the identity provider: bench._provider, which signs in at once with no form"
        " (default), or the certified oidc-provider under Node with its login and consent"
        " forms filled in at every login",
    )
    parser.add_argument("--app", default=DEFAULT_APP, help="the server's app factory")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("rounds and concurrency must be at least 1, seconds above 0")
    signal.signal(signal.SIGTERM, raise_on_sigterm)

    server: subprocess.Popen[bytes] | None = None
    provider: subprocess.Popen[bytes] | None = None
    runs: dict[str, list[Measured]] = {
        "first": [],
        "bare": [],
        "minimal": [],
        "returning": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-sso-login-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            database_process = getattr(database, "_process", None)
            asyncio.run(seed(database.uri))
            port, provider_port = free_port(HOST), free_port(HOST)
            public_url = f"http://{HOST}:{port}"
            issuer = f"http://{HOST}:{provider_port}"
            provider = start_provider(
                args.provider,
                provider_port,
                [
                    f"{public_url}/auth/{ORGANIZATION}/callback",
                    f"{public_url}{BASELINE_PREFIX}/{ORGANIZATION}/callback",
                    f"{public_url}{MINIMAL_PREFIX}/{ORGANIZATION}/callback",
                ],
            )
            wait_for_provider(provider, provider_port)
            server = start_server(database.uri, port, args.app, issuer, args.baseline_client)
            wait_for_server(server, port)
            provider_id = configure_provider(port, issuer)
            pids: dict[str, int | None] = {
                "server": server.pid,
                "provider": provider.pid,
                "database": database_process.pid if database_process else None,
            }

            prefixes = {"bare": BASELINE_PREFIX, "minimal": MINIMAL_PREFIX}

            def phase(name: str, pool: list[str], new_prefix: str | None = None) -> SsoPhase:
                prefix = prefixes.get(name, "/auth")
                return SsoPhase(
                    name=name,
                    server_port=port,
                    login_path=f"{prefix}/{ORGANIZATION}/login",
                    login_query=urlencode(
                        {"return_to": RETURN_TO}
                        if name == "bare"
                        else {"provider": provider_id, "return_to": RETURN_TO}
                    ),
                    expected_location=public_url + RETURN_TO,
                    session_cookie=None if name == "bare" else SESSION_COOKIE,
                    provider_forms=args.provider == "oidc-provider",
                    concurrency=args.concurrency,
                    warmup_seconds=args.warmup,
                    seconds=args.seconds,
                    email_domain=EMAIL_DOMAIN,
                    new_prefix=new_prefix,
                    pool=pool,
                    watch_pids=[pid for pid in pids.values() if pid],
                )

            # The minimal relying party signs in a returning person: the one ours just created.
            checked = f"check-ours@{EMAIL_DOMAIN}"
            asyncio.run(
                _check_flows(
                    [
                        (phase("check", []), checked),
                        (phase("bare", []), f"check@{EMAIL_DOMAIN}"),
                        (phase("minimal", []), checked),
                    ]
                )
            )
            print(
                f"{NAME}: all three flows complete (login route, provider, callback) against"
                f" {issuer} ({args.provider}); baseline AsyncOAuth2Client: {args.baseline_client}"
            )
            print(
                f"{NAME}: {args.rounds} rounds of first/bare/minimal/returning phases,"
                f" {args.warmup:g} s warm-up + {args.seconds:g} s each,"
                f" {args.concurrency} concurrent browsers",
                flush=True,
            )

            people: list[str] = []
            for round_number in range(1, args.rounds + 1):
                plan = [
                    ("first", phase("first", [], new_prefix=f"r{round_number}")),
                    ("bare", None),
                    ("minimal", None),
                    ("returning", None),
                ]
                for name, ready in plan:
                    current = ready or phase(name, list(people))
                    measured, created = _run_phase(current, pids)
                    people.extend(created)
                    runs[name].append(measured)
                    print(
                        f"  round {round_number}  {name:<9}"
                        f" {measured.per_second:7.1f} logins/s"
                        f"  server CPU {measured.server_cpu_ms:6.2f} ms/login"
                        f"  (provider {measured.provider_cpu_ms:4.2f},"
                        f" database {measured.database_cpu_ms:5.2f},"
                        f" load generator {measured.loadgen_cpu_ms:4.2f})",
                        flush=True,
                    )
        finally:
            stop(server)
            stop(provider)
            database.stop()

    median = statistics.median
    for name in ("bare", "minimal", "first", "returning"):
        last = runs[name][-1].commands
        commands = ", ".join(f"{n} {c:.1f}" for n, c in sorted(last.items())) or "none"
        print(
            f"{name:<9} (median): {median(m.per_second for m in runs[name]):7.1f} logins/s,"
            f" server CPU {median(m.server_cpu_ms for m in runs[name]):.2f} ms/login,"
            f" database CPU {median(m.database_cpu_ms for m in runs[name]):.2f} ms/login;"
            f" MongoDB commands per login {sum(last.values()):.1f} ({commands})"
        )

    def ratio(top: str, bottom: str, of: str = "per_second") -> float:
        pairs = zip(runs[top], runs[bottom], strict=True)
        if of == "per_second":
            return median(t.per_second / b.per_second for t, b in pairs)
        return median(b.server_cpu_ms / t.server_cpu_ms for t, b in pairs)

    returning_ratio = ratio("returning", "minimal")
    for label, value in (
        ("first logins / minimal, logins/s", ratio("first", "minimal")),
        ("returning logins / minimal, logins/s", returning_ratio),
        ("CPU per login, minimal / returning", ratio("returning", "minimal", "cpu")),
        ("returning logins / bare, logins/s", ratio("returning", "bare")),
        ("minimal / bare, logins/s", ratio("minimal", "bare")),
    ):
        print(f"{label + ', median of rounds:':<62}{value:.3f}")
    print(f"{NAME}: ratio {returning_ratio:.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
