"""The SCIM peer port (provisioning/sync/peer.py) over HTTP, on the outbound client
(server/outbound_http.py: held to the outbound policy at the socket).

Changed users are read with keyset paging: sorted by meta.lastModified, each page asks
for `meta.lastModified ge` the last value seen and skips, by startIndex, the records at
that value it already has. Offset paging alone would skip a record whenever one read
earlier is modified during the run (it moves to the end, and everything shifts back).
This needs the peer to filter and sort on meta.lastModified (scim2-server does).

A peer's answer is never passed on in its own words: a failure says what happened in a
short fixed summary (the status code and a typed reason), so that a URL pointed at some
other service cannot be used to read it through a sync error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2

from provisioning.outbound import AddressNotAllowed
from provisioning.sync import scim
from provisioning.sync.peer import PeerRejected, PeerUnavailable, Resource
from provisioning.sync.scim import (
    MEDIA_TYPE,
    PAGE_SIZE,
    PATCH_SCHEMA,
    SCIM_TYPES,
    last_modified,
    quoted,
    scim_time,
)


@dataclass(frozen=True)
class HttpScimPeers:
    """provisioning.sync.peer.ScimPeers: peers on one client (the app's, or the CLI's)."""

    http: httpx2.AsyncClient
    page_size: int | None = None  # None: scim.PAGE_SIZE, read when a peer is opened

    def __call__(self, base_url: str, token: str) -> HttpScimPeer:
        return HttpScimPeer(self.http, base_url, token, self.page_size or scim.PAGE_SIZE)


@dataclass(frozen=True)
class HttpScimPeer:
    """provisioning.sync.peer.ScimPeer over HTTP."""

    http: httpx2.AsyncClient
    base_url: str
    token: str
    page_size: int = PAGE_SIZE

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    async def _send(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": MEDIA_TYPE}
        if body is not None:
            headers["Content-Type"] = MEDIA_TYPE
        try:
            response = await self.http.request(
                method, self._url(path), params=params, json=body, headers=headers
            )
        except httpx2.HTTPError as error:
            raise PeerUnavailable(
                f"{self.base_url} could not be reached ({_unreachable(error)})"
            ) from error
        if response.status_code in (401, 403):
            raise PeerUnavailable(
                f"{self.base_url} refused our credentials ({response.status_code}):"
                " check the integration's bearer token."
            )
        if response.status_code >= 500 or (response.status_code in (404, 405) and path == "/Users"):
            reason = "SERVER_ERROR" if response.status_code >= 500 else "NOT_A_SCIM_ENDPOINT"
            raise PeerUnavailable(f"{self.base_url} answered {response.status_code} ({reason})")
        return response

    async def _json(self, response: httpx2.Response) -> Resource:
        try:
            body = response.json()
        except ValueError as error:
            raise PeerUnavailable(f"{self.base_url} answered something that is not JSON") from error
        if not isinstance(body, dict):
            raise PeerUnavailable(f"{self.base_url} answered JSON that is not an object")
        return body

    async def _list(self, params: dict[str, Any]) -> Resource:
        response = await self._send("GET", "/Users", params=params)
        if response.status_code != 200:
            raise PeerUnavailable(f"{self.base_url} refused to list users ({response.status_code})")
        body = await self._json(response)
        if not isinstance(body.get("totalResults"), int):
            raise PeerUnavailable(f"{self.base_url} answered a list without totalResults")
        return body

    async def total_users(self) -> int:
        body = await self._list({"count": 0})
        total: int = body["totalResults"]
        return total

    async def changed_users(
        self, since: datetime | None, where: str | None = None
    ) -> AsyncIterator[list[Resource]]:
        """Pages of users modified after `since` (all if None) matching `where`, oldest first."""
        boundary: str | None = None  # the last lastModified seen
        at_boundary: set[str] = set()  # ids seen with exactly that lastModified
        # (id, lastModified): a record modified during the run comes again, newer.
        seen: set[tuple[str, str]] = set()
        while True:
            clauses = [where] if where else []
            if boundary is not None:
                clauses.append(f"meta.lastModified ge {quoted(boundary)}")
            elif since is not None:
                clauses.append(f"meta.lastModified gt {quoted(scim_time(since))}")
            start = len(at_boundary) + 1
            params: dict[str, Any] = {
                "sortBy": "meta.lastModified",
                "sortOrder": "ascending",
                "count": self.page_size,
                "startIndex": start,
            }
            if clauses:
                params["filter"] = " and ".join(f"({c})" for c in clauses)
            body = await self._list(params)
            resources = body.get("Resources") or []
            if not isinstance(resources, list):
                raise PeerUnavailable(f"{self.base_url} answered Resources that are not a list")
            fresh: list[Resource] = []
            for resource in resources:
                if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
                    raise PeerUnavailable(f"{self.base_url} sent a user without an id")
                stamp = last_modified(resource)
                if stamp is None:
                    raise PeerUnavailable(
                        f"{self.base_url} sent user {resource['id']} without meta.lastModified"
                    )
                if (resource["id"], stamp) not in seen:
                    seen.add((resource["id"], stamp))
                    fresh.append(resource)
                if stamp != boundary:
                    boundary, at_boundary = stamp, set()
                at_boundary.add(resource["id"])
            if fresh:
                yield fresh
            if not resources or start - 1 + len(resources) >= body["totalResults"]:
                return

    async def get_user(self, user_id: str) -> Resource | None:
        response = await self._send("GET", f"/Users/{user_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PeerUnavailable(f"{self.base_url} answered {response.status_code}")
        return await self._json(response)

    async def find_users(self, scim_filter: str) -> list[Resource]:
        body = await self._list({"filter": scim_filter, "count": 10})
        return [r for r in body.get("Resources") or [] if isinstance(r, dict)]

    async def create_user(self, resource: Resource) -> Resource:
        response = await self._send("POST", "/Users", body=resource)
        if response.status_code not in (200, 201):
            raise _rejected(response)
        return await self._json(response)

    async def patch_user(self, user_id: str, operations: list[Resource]) -> None:
        response = await self._send(
            "PATCH",
            f"/Users/{user_id}",
            body={"schemas": [PATCH_SCHEMA], "Operations": operations},
        )
        if response.status_code not in (200, 204):
            raise _rejected(response)


def _unreachable(error: httpx2.HTTPError) -> str:
    """The typed reason a request got no answer (never the text of the error)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, AddressNotAllowed):
            return f"ADDRESS_NOT_ALLOWED: {cause}"
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx2.TimeoutException):
        return "TIMEOUT"
    if isinstance(error, httpx2.ConnectError):
        return "CONNECT_FAILED"
    return "NETWORK_ERROR"


def _rejected(response: httpx2.Response) -> PeerRejected:
    scim_type = None
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("scimType") in SCIM_TYPES:
            scim_type = str(body["scimType"])
    except ValueError:
        pass
    detail = f"HTTP {response.status_code}" + (f" {scim_type}" if scim_type else "")
    return PeerRejected(response.status_code, detail, scim_type)
