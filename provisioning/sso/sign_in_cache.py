"""What every SSO login looks up first, kept in the process: organization ids by slug and
each organization's identity providers.

Safe to serve stale for a moment, because nothing is decided on a cached provider alone:
the login route only redirects with it, and the callback's one read of the identity and
its user brings the provider as it is now (`SignInView.provider`); a provider removed or
changed on any instance is refused or re-read there, and this cache forgets the
organization. Changes made through this process forget at once; entries also expire.
Organization slugs and ids never change and organizations are never deleted, so an
id by slug is kept until evicted.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from store.identity_providers import IdentityProviderRecord

if TYPE_CHECKING:
    from provisioning.dependencies import Dependencies

V = TypeVar("V")

PROVIDERS_TTL_SECONDS = 60.0
MAX_ENTRIES = 10_000


class _Bounded(Generic[V]):
    """A least-recently-used map with an optional time to live."""

    def __init__(
        self, max_entries: int, ttl: float | None, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._max = max_entries
        self._ttl = ttl
        self._now = now

    def get(self, key: str) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        stored_at, value = found
        if self._ttl is not None and self._now() - stored_at > self._ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        self._entries[key] = (self._now(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def pop(self, key: str) -> None:
        self._entries.pop(key, None)


class SignInCache:
    def __init__(self, providers_ttl: float = PROVIDERS_TTL_SECONDS) -> None:
        self._org_ids: _Bounded[str] = _Bounded(MAX_ENTRIES, ttl=None)
        self._providers: _Bounded[tuple[IdentityProviderRecord, ...]] = _Bounded(
            MAX_ENTRIES, ttl=providers_ttl
        )
        # Bumped by every forget: a read that started before it must not store what it read.
        self._generation = 0

    async def organization_id(self, deps: Dependencies, slug: str) -> str | None:
        found = self._org_ids.get(slug)
        if found is not None:
            return found
        organization = await deps.store.organizations.get_by_slug(slug)
        if organization is None:
            return None  # not kept: the organization may be created later
        self._org_ids.put(slug, organization.id)
        return organization.id

    async def providers(
        self, deps: Dependencies, org_id: str
    ) -> tuple[IdentityProviderRecord, ...]:
        found = self._providers.get(org_id)
        if found is not None:
            return found
        generation = self._generation
        providers = tuple(await deps.store.identity_providers.list(org_id))
        if generation == self._generation:
            self._providers.put(org_id, providers)
        return providers

    async def provider(
        self, deps: Dependencies, org_id: str, provider_id: str
    ) -> IdentityProviderRecord | None:
        """By id; an id the kept list lacks is looked for again (added on another instance)."""
        for attempt in range(2):
            for provider in await self.providers(deps, org_id):
                if provider.id == provider_id:
                    return provider
            if attempt == 0:
                self.forget(org_id)
        return None

    def forget(self, org_id: str) -> None:
        """The organization's providers changed (here, or seen changed by a sign-in)."""
        self._generation += 1
        self._providers.pop(org_id)
