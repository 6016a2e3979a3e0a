"""The HTTP client for connections an admin's settings point at (SCIM peers, the SMS
gateway, identity providers), held to the outbound policy at the socket.

The host name is resolved here, every address it resolves to is checked, and the
connection goes to a checked address: the client never resolves the name a second time,
so a name that answers a public address first and 127.0.0.1 next (DNS rebinding) cannot
slip past. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

import anyio
import httpcore2
import httpx2
from httpcore2 import AsyncNetworkBackend, AsyncNetworkStream

from provisioning.outbound import AddressNotAllowed, OutboundPolicy


class RefusedAddress(httpcore2.ConnectError, AddressNotAllowed):
    """The client's own connection error (so the client handles it as any other), and the
    policy's refusal (so that the caller can tell it from a peer that is down)."""

    def __init__(self, host: str) -> None:
        AddressNotAllowed.__init__(self, host)


class GuardedBackend(AsyncNetworkBackend):
    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as error:
            raise httpcore2.ConnectTimeout(f"resolving {host} timed out") from error
        except OSError as error:
            raise httpcore2.ConnectError(f"{host} could not be resolved") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses or not all(self.policy.allows(host, a) for a in addresses):
            raise RefusedAddress(host)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        raise httpcore2.ConnectError("outbound connections go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def outbound_transport(policy: OutboundPolicy) -> httpx2.AsyncHTTPTransport:
    """A transport whose every connection passes `policy`; it ignores proxy variables
    (the check is ours)."""
    transport = httpx2.AsyncHTTPTransport(trust_env=False)
    # httpx builds its pool without a way to pass a network backend: build it again.
    transport._pool = httpcore2.AsyncConnectionPool(
        ssl_context=httpx2.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy),
    )
    return transport


def outbound_client(policy: OutboundPolicy, timeout: float) -> httpx2.AsyncClient:
    """An HTTP client on outbound_transport; it follows no redirect (a peer could redirect
    anywhere)."""
    return httpx2.AsyncClient(
        transport=outbound_transport(policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
