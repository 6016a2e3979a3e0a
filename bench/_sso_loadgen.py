"""The load generator of bench.sso_login, run as its own process: `python -m bench._sso_loadgen`.

It reads one JSON `SsoPhase` on standard input and runs `concurrency` browsers, each doing
complete SSO logins back to back: GET the login route (303 to the provider, with a
cookie binding the login to this browser), GET the provider's authorization URL (it signs
the person named by `login_hint` in at once and redirects back with a code), GET the
callback with the cookie (303 to return_to). A login counts when that last answer is the
expected redirect, with the session cookie when one is expected. A warm-up first, then a
timed window; the CPU time of `watch_pids` is read from /proc at the window's two ends.
It prints one JSON `SsoPhaseResult` on standard output.

Each browser keeps one keep-alive connection to the server and one to the provider, and
speaks HTTP/1.1 over raw asyncio streams (as bench._loadgen does), so that the generator
spends little of the machine's CPU.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

from bench._loadgen import cpu_seconds

HOST = "127.0.0.1"
REQUEST_TIMEOUT_SECONDS = 10.0
MAX_REPORTED_SUBJECTS = 5000
MAX_PROVIDER_STEPS = 12  # redirects and forms in one visit to the provider


@dataclass(frozen=True)
class SsoPhase:
    name: str
    server_port: int
    login_path: str  # e.g. /auth/bench/login
    login_query: str  # e.g. provider=ID&return_to=/done (login_hint is added per login)
    expected_location: str  # the callback's redirect, absolute
    session_cookie: str | None  # the cookie the callback must set, if any
    concurrency: int
    warmup_seconds: float
    seconds: float
    email_domain: str
    # The provider shows its login and consent forms (oidc-provider's development pages):
    # each login fills them in with fresh provider cookies, as a person on a new browser.
    provider_forms: bool = False
    new_prefix: str | None = None  # new people: PREFIX-WORKER-N@domain (first logins)
    pool: list[str] = field(default_factory=list)  # or returning people, picked at random
    watch_pids: list[int] = field(default_factory=list)


@dataclass
class SsoPhaseResult:
    logins: int  # completed inside the timed window
    all_logins: int  # completed over warm-up and window
    elapsed_seconds: float
    errors: int  # over warm-up and window
    last_error: str
    cpu_seconds: dict[str, float]  # pid -> CPU seconds spent during the window
    own_cpu_seconds: float  # this generator's CPU during the window
    completed: list[str]  # login hints that completed (first logins only; capped)

    @property
    def per_second(self) -> float:
        return self.logins / self.elapsed_seconds if self.elapsed_seconds else 0.0


class FlowError(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    close: bool

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def cookies(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie, _, content = pair.partition("=")
                found[cookie.strip()] = content.strip().strip('"')
        return found


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, reopened when closed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, target: str, cookie: str | None = None) -> Response:
        return await self.request("GET", target, cookie)

    async def post_form(self, target: str, fields: dict[str, str], cookie: str | None) -> Response:
        body = urlencode(fields).encode()
        return await self.request("POST", target, cookie, body)

    async def request(
        self, method: str, target: str, cookie: str | None = None, body: bytes | None = None
    ) -> Response:
        if self.streams is None:
            self.streams = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.streams
        head = f"{method} {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        if body is not None:
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
            head += f"Content-Length: {len(body)}\r\n"
        writer.write((head + "\r\n").encode("latin-1") + (body or b""))
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                response = await _read_response(reader)
        except BaseException:
            self.close()
            raise
        if response.close:
            self.close()
        return response

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    response = Response(status=status, headers=headers, body=b"", close=False)
    response.close = (response.header("connection") or "").lower() == "close"
    length = response.header("content-length")
    if length is not None:
        response.body = await reader.readexactly(int(length))
        return response
    if "chunked" not in (response.header("transfer-encoding") or "").lower():
        raise FlowError("a response with neither Content-Length nor chunked encoding")
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            response.body = bytes(body)
            return response
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _target(url: str, port: int) -> str:
    """The request target of an absolute URL on 127.0.0.1:port."""
    parts = urlsplit(url)
    if parts.hostname != HOST or parts.port != port:
        raise FlowError(f"redirected off the expected origin: {url}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Browser:
    """A person's browser: its connections, and its cookies for one login."""

    def __init__(self, phase: SsoPhase) -> None:
        self.phase = phase
        self.server = Connection(phase.server_port)
        self.provider: Connection | None = None
        self.provider_port: int | None = None

    async def login(self, hint: str) -> None:
        phase = self.phase
        start = await self.server.get(
            f"{phase.login_path}?{phase.login_query}&login_hint={quote(hint)}"
        )
        location = start.header("location")
        if start.status != 303 or location is None:
            raise FlowError(f"login route: {start.status} {start.body[:300]!r}")
        cookies = start.cookies()
        authorize = urlsplit(location)
        if self.provider is None or authorize.port != self.provider_port:
            if self.provider is not None:
                self.provider.close()
            self.provider_port = authorize.port
            self.provider = Connection(authorize.port or 80)
        if phase.provider_forms:
            callback = await self._through_forms(location, hint)
        else:
            answered = await self.provider.get(_target(location, self.provider.port))
            found = answered.header("location")
            if answered.status != 302 or found is None:
                raise FlowError(f"provider: {answered.status} {answered.body[:300]!r}")
            callback = found
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        done = await self.server.get(_target(callback, phase.server_port), cookie or None)
        if done.status != 303 or done.header("location") != phase.expected_location:
            raise FlowError(
                f"callback: {done.status} to {done.header('location')}: {done.body[:300]!r}"
            )
        if phase.session_cookie and not done.cookies().get(phase.session_cookie):
            raise FlowError(f"callback set no {phase.session_cookie} cookie")

    async def _through_forms(self, authorize_url: str, hint: str) -> str:
        """Follows the provider's redirects and fills in its login and consent forms, with
        its cookies kept for this login only; the URL it finally sends the browser to."""
        assert self.provider is not None
        provider, jar = self.provider, dict[str, str]()
        url, fields = authorize_url, None
        for _ in range(MAX_PROVIDER_STEPS):
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items()) or None
            target = _target(url, provider.port)
            answered = await (
                provider.get(target, cookie)
                if fields is None
                else provider.post_form(target, fields, cookie)
            )
            jar.update(answered.cookies())
            jar = {name: value for name, value in jar.items() if value}  # "" clears a cookie
            location = answered.header("location")
            if answered.status in (302, 303) and location is not None:
                url, fields = urljoin(url, location), None
                if urlsplit(url).port != provider.port:
                    return url
                continue
            form = _post_form(answered.body.decode())
            if answered.status != 200 or form is None:
                raise FlowError(f"provider: {answered.status} {answered.body[:300]!r}")
            action, fields = form
            if fields.get("prompt") == "login":
                fields.update(login=hint, password="bench")  # noqa: S106 (any password)
            url = urljoin(url, action)
        raise FlowError("the provider never sent the browser back")

    def close(self) -> None:
        self.server.close()
        if self.provider is not None:
            self.provider.close()


class _FormParser(HTMLParser):
    """The first POST form of a page: its action and named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.form: tuple[str, dict[str, str]] | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None and attributes.get("method", "").lower() == "post":
            self.form, self._inside = (attributes.get("action", ""), {}), True
        elif tag in ("input", "button") and self._inside and "name" in attributes:
            assert self.form is not None
            self.form[1][attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def _post_form(page: str) -> tuple[str, dict[str, str]] | None:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.form


@dataclass
class _Tally:
    measuring: bool = False
    stopping: bool = False
    logins: int = 0
    all_logins: int = 0
    errors: int = 0
    last_error: str = ""
    completed: list[str] = field(default_factory=list)


async def _browser(phase: SsoPhase, number: int, tally: _Tally) -> None:
    browser = Browser(phase)
    counter = itertools.count()
    chooser = random.Random(number)
    try:
        while not tally.stopping:
            if phase.new_prefix is not None:
                hint = f"{phase.new_prefix}-{number}-{next(counter)}@{phase.email_domain}"
            else:
                hint = chooser.choice(phase.pool)
            try:
                await browser.login(hint)
            except (FlowError, OSError, TimeoutError, asyncio.IncompleteReadError) as error:
                tally.errors += 1
                tally.last_error = f"{type(error).__name__}: {error}"
                browser.close()
                await asyncio.sleep(0.05)
                continue
            tally.all_logins += 1
            if phase.new_prefix is not None and len(tally.completed) < MAX_REPORTED_SUBJECTS:
                tally.completed.append(hint)
            if tally.measuring and not tally.stopping:
                tally.logins += 1
    finally:
        browser.close()


async def run_phase(phase: SsoPhase) -> SsoPhaseResult:
    tally = _Tally()
    tasks = [asyncio.create_task(_browser(phase, n, tally)) for n in range(phase.concurrency)]
    await asyncio.sleep(phase.warmup_seconds)
    before = {pid: cpu_seconds(pid) for pid in phase.watch_pids}
    own_before = time.process_time()
    started = time.perf_counter()
    tally.measuring = True
    await asyncio.sleep(phase.seconds)
    tally.stopping = True
    elapsed = time.perf_counter() - started
    after = {pid: cpu_seconds(pid) for pid in phase.watch_pids}
    own = time.process_time() - own_before
    await asyncio.gather(*tasks)
    return SsoPhaseResult(
        logins=tally.logins,
        all_logins=tally.all_logins,
        elapsed_seconds=elapsed,
        errors=tally.errors,
        last_error=tally.last_error,
        cpu_seconds={str(pid): after[pid] - before[pid] for pid in phase.watch_pids},
        own_cpu_seconds=own,
        completed=tally.completed,
    )


def main() -> None:
    phase = SsoPhase(**json.loads(sys.stdin.read()))
    result = asyncio.run(run_phase(phase))
    sys.stdout.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
