"""The keys that sign partner access tokens: one current ES256 key, older ones published
until the tokens they signed expire, read through a short cache shared by the instance."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, KeySet

from provisioning.access.secret_box import SecretBox
from store.signing_keys import SigningKeyRecord, SigningKeys

ALGORITHM = "ES256"
KEY_CACHE_SECONDS = 30.0
CLOCK_LEEWAY_SECONDS = 30


@dataclass
class KeyRing:
    """The signing key and the keys still published for verification, cached briefly."""

    keys: SigningKeys
    box: SecretBox
    token_lifetime: int
    clock: Callable[[], datetime]
    monotonic: Callable[[], float] = time.monotonic
    _published: KeySet | None = None
    _signer: KeySet | None = None
    _loaded_at: float = -1e9
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ensure_signing_key(self) -> None:
        if not await self.keys.published(self.clock()):
            await self.rotate()

    async def rotate(self) -> str:
        """A new signing key. Old ones stay published until tokens they signed expire."""
        key = ECKey.generate_key("P-256", parameters={"kid": secrets.token_hex(8)}, private=True)
        kid = str(key.kid)
        now = self.clock()
        await self.keys.insert(
            SigningKeyRecord(
                kid=kid,
                algorithm=ALGORITHM,
                private_sealed=self.box.seal(key.as_pem(private=True).decode()),
                public_jwk={k: str(v) for k, v in key.as_dict(private=False).items()},
                created_at=now,
            )
        )
        await self.keys.retire_all_but(kid, now)
        self._loaded_at = -1e9
        return kid

    async def _load(self) -> None:
        if self.monotonic() - self._loaded_at < KEY_CACHE_SECONDS and self._signer is not None:
            return
        async with self._lock:
            if self.monotonic() - self._loaded_at < KEY_CACHE_SECONDS and self._signer is not None:
                return
            cutoff = self.clock() - timedelta(seconds=self.token_lifetime + CLOCK_LEEWAY_SECONDS)
            records = await self.keys.published(cutoff)
            if not records:
                await self.ensure_signing_key()
                records = await self.keys.published(cutoff)
            current = next((r for r in records if r.retired_at is None), records[0])
            private = ECKey.import_key(
                self.box.open(current.private_sealed), parameters={"kid": current.kid}
            )
            self._signer = KeySet([private])
            public: list[Any] = [r.public_jwk for r in records]
            self._published = KeySet.import_key_set({"keys": public})
            self._loaded_at = self.monotonic()

    async def signer(self) -> KeySet:
        await self._load()
        assert self._signer is not None
        return self._signer

    async def published(self, refresh: bool = False) -> KeySet:
        if refresh:
            self._loaded_at = -1e9
        await self._load()
        assert self._published is not None
        return self._published
