"""Real `scim2-server` processes on loopback: a directory to read, or an app to provision."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.e2e.processes import free_port, tail, venv_script

TOKEN = "peer-token-0123456789"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class ScimServer:
    """One scim2-server process; each test takes its own tenant (its own users) of it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def tenant(self) -> ScimPeerProcess:
        return ScimPeerProcess(f"http://127.0.0.1:{self.port}/t{uuid.uuid4().hex[:12]}/v2")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class ScimPeerProcess:
    """A tenant of a scim2-server process: a directory, or an app, of its own."""

    base_url: str

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"},
            timeout=30.0,
        )

    def add_person(
        self,
        user_name: str,
        *,
        email: str | None = None,
        first: str = "Pat",
        last: str = "Doe",
        company: str | None = "Acme Partners",
        active: bool = True,
        department: str | None = None,
        phones: list[dict[str, Any]] | None = None,
    ) -> str:
        resource: dict[str, Any] = {
            "schemas": [USER, ENTERPRISE],
            "userName": user_name,
            "name": {"givenName": first, "familyName": last},
            "active": active,
        }
        if email:
            resource["emails"] = [{"value": email, "primary": True}]
        if phones:
            resource["phoneNumbers"] = phones
        enterprise = {"organization": company, "department": department}
        if company or department:
            resource[ENTERPRISE] = {k: v for k, v in enterprise.items() if v}
        with self.client() as client:
            response = client.post("/Users", json=resource)
        assert response.status_code == 201, response.text
        user_id: str = response.json()["id"]
        return user_id

    def patch(self, user_id: str, path: str, value: Any) -> None:
        body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": path, "value": value}]}
        with self.client() as client:
            response = client.patch(f"/Users/{user_id}", json=body)
        assert response.status_code in (200, 204), response.text

    def delete(self, user_id: str) -> None:
        with self.client() as client:
            assert client.delete(f"/Users/{user_id}").status_code == 204

    def get(self, user_id: str) -> dict[str, Any]:
        with self.client() as client:
            response = client.get(f"/Users/{user_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def users(self) -> list[dict[str, Any]]:
        with self.client() as client:
            response = client.get("/Users", params={"count": 1000})
        resources: list[dict[str, Any]] = response.json().get("Resources") or []
        return resources


@contextlib.contextmanager
def scim_server(log_path: Path, port: int | None = None) -> Iterator[ScimServer]:
    """`scim2-server --port N --bearer-token T --dynamic-tenants`, answering when yielded."""
    port = port or free_port()
    command = [str(venv_script("scim2-server")), "--port", str(port), "--bearer-token", TOKEN]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*command, "--dynamic-tenants"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = ScimServer(process=process, port=port, log_path=log_path)
    peer = server.tenant()
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"scim2-server exited:\n{tail(log_path)}")
            try:
                with peer.client() as client:
                    if client.get("/ServiceProviderConfig").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"scim2-server did not answer:\n{tail(log_path)}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


class _Forward(http.server.BaseHTTPRequestHandler):
    server: FlakyProxyServer

    def _forward(self) -> None:
        proxy = self.server
        with proxy.lock:
            proxy.requests += 1
            failing = proxy.fail_after is not None and proxy.requests > proxy.fail_after
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if failing:
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"detail": "the directory is down for maintenance"}')
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
        with httpx.Client(timeout=30.0) as client:
            answer = client.request(
                self.command, proxy.target + self.path, headers=headers, content=body
            )
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = _forward  # noqa: N815 - http.server's names
    do_POST = _forward  # noqa: N815 - http.server's names
    do_PATCH = _forward  # noqa: N815 - http.server's names
    do_PUT = _forward  # noqa: N815 - http.server's names
    do_DELETE = _forward  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FlakyProxyServer(http.server.ThreadingHTTPServer):
    """Forwards to a real SCIM server, then, past `fail_after` requests, answers 503:
    a directory that fails in the middle of a run."""

    daemon_threads = True

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.target = target  # the origin, http://127.0.0.1:PORT
        self.fail_after: int | None = None
        self.requests = 0
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@contextlib.contextmanager
def flaky_proxy(peer: ScimPeerProcess) -> Iterator[tuple[FlakyProxyServer, str]]:
    """(the proxy, the peer's base URL through it)."""
    parts = urlsplit(peer.base_url)
    proxy = FlakyProxyServer(f"{parts.scheme}://{parts.netloc}")
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy, proxy.url(parts.path)
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)
