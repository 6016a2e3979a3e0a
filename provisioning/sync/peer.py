"""The port to a SCIM 2.0 peer (RFC 7644): a directory a sync reads, or an app it
provisions. The adapter that speaks HTTP lives outside provisioning (server/scim_peer.py)
and comes in through Dependencies.scim_peers, so that a test may hand in another.

Failures are split in two: the peer could not be asked or would not answer
(PeerUnavailable: network, credentials, 5xx, nonsense), and the peer answered that it
refuses this one record (PeerRejected). Either says what happened in a short fixed summary
(a status code and a typed reason), never in the peer's own words: a URL pointed at some
other service must not let an admin read that service through a sync error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Protocol

Resource = dict[str, Any]


class PeerUnavailable(Exception):
    """The peer could not be reached, refused our credentials, or answered nonsense."""


class PeerRejected(Exception):
    """The peer answered, and refused this record: `detail` is the status and scimType."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(f"{status} {scim_type or ''} {detail}".strip())
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


class ScimPeer(Protocol):
    """One peer's users. Every method raises PeerUnavailable when the peer cannot answer;
    create_user and patch_user raise PeerRejected when it refuses the record."""

    @property
    def base_url(self) -> str: ...

    async def total_users(self) -> int: ...

    def changed_users(
        self, since: datetime | None, where: str | None = None
    ) -> AsyncIterator[list[Resource]]:
        """Pages of users modified after `since` (all if None) matching the SCIM filter
        `where`, oldest first; each (id, lastModified) at most once in a run."""
        ...

    async def get_user(self, user_id: str) -> Resource | None: ...

    async def find_users(self, scim_filter: str) -> list[Resource]: ...

    async def create_user(self, resource: Resource) -> Resource: ...

    async def patch_user(self, user_id: str, operations: list[Resource]) -> None: ...


class ScimPeers(Protocol):
    """Opens a peer at `base_url` with a bearer token (the adapter factory)."""

    def __call__(self, base_url: str, token: str) -> ScimPeer: ...


class UnwiredPeer:
    """What NoScimPeers opens: a peer that cannot be asked, so a run fails as
    SOURCE_UNAVAILABLE instead of reaching the network behind the caller's back."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _unavailable(self) -> PeerUnavailable:
        return PeerUnavailable(f"{self.base_url} could not be reached (NO_ADAPTER)")

    async def total_users(self) -> int:
        raise self._unavailable()

    async def changed_users(
        self, since: datetime | None, where: str | None = None
    ) -> AsyncIterator[list[Resource]]:
        raise self._unavailable()
        yield []  # pragma: no cover - makes this an async generator

    async def get_user(self, user_id: str) -> Resource | None:
        raise self._unavailable()

    async def find_users(self, scim_filter: str) -> list[Resource]:
        raise self._unavailable()

    async def create_user(self, resource: Resource) -> Resource:
        raise self._unavailable()

    async def patch_user(self, user_id: str, operations: list[Resource]) -> None:
        raise self._unavailable()


class NoScimPeers:
    """The default when no adapter was wired (the app and the CLI wire server/scim_peer.py)."""

    def __call__(self, base_url: str, token: str) -> ScimPeer:
        return UnwiredPeer(base_url)
