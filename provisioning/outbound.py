"""Where Roster may connect on an admin's behalf (SCIM peers, the SMS gateway, identity
providers): not to private, loopback or link-local addresses, unless allow-listed.

Pure rules, no I/O. They are applied twice: to the URL an admin configures (a typed
userError for an address written into it), and by the HTTP adapter (server/outbound_http.py)
to every address a host name resolves to, at each connection, so that a name that later
resolves to 127.0.0.1 (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "ROSTER_OUTBOUND_ALLOWED_HOSTS"
ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"


class AddressNotAllowed(Exception):
    """A connection to an address the outbound policy refuses; the message names the host.
    The HTTP adapter raises it as its client's connection error too."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"{host} is (or resolves to) a private, loopback or link-local address;"
            f" allow it with {ALLOW_SETTING}"
        )
        self.host = host


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def literal_address(host: str) -> Address | None:
    """The address `host` spells, in any form the system resolver reads as an address
    (127.1, 0x7f.0.0.1 and 2130706433 are 127.0.0.1); None for a name."""
    host = _normal_host(host)
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


@dataclass(frozen=True)
class OutboundPolicy:
    """`allow_loopback`: development, where tests and local peers listen on 127.0.0.1;
    `allowed_hosts` and `allowed_networks`: the operator's on-premise peers."""

    allow_loopback: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def development(cls) -> OutboundPolicy:
        return cls(allow_loopback=True)

    @classmethod
    def of(cls, entries: Iterable[str], *, allow_loopback: bool) -> OutboundPolicy:
        """From the allow-list setting: host names and IP networks (CIDR) or addresses;
        ValueError names an entry that is neither."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            value = _normal_host(entry)
            if not value:
                continue
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
                continue
            except ValueError:
                pass
            if (
                "/" in value
                or ":" in value
                or not all(label and len(label) <= 63 for label in value.split("."))
            ):
                raise ValueError(f"{entry!r} is neither a host name nor an IP network")
            hosts.add(value)
        return cls(allow_loopback, frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: str | Address) -> bool:
        """Whether a connection to `host` may go to `address` (one it resolved to)."""
        if _normal_host(host) in self.allowed_hosts:
            return True
        ip = ipaddress.ip_address(address.split("%")[0]) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip.version == n.version and ip in n for n in self.allowed_networks):
            return True
        if ip.is_loopback:
            return self.allow_loopback
        return ip.is_global and not ip.is_multicast

    def url_problem(self, url: str) -> str | None:
        """Why an admin may not configure `url`, judged by what it spells (its host name is
        resolved, and checked again, at each connection); None if it may."""
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return "The URL is not valid."
        if not host:
            return "The URL has no host."
        address = literal_address(host)
        if address is None and (host == "localhost" or host.endswith(".localhost")):
            address = ipaddress.IPv4Address("127.0.0.1")
        if address is None or self.allows(host, address):
            return None
        return str(AddressNotAllowed(host)) + "."
