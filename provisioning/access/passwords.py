"""argon2id password hashing. Hashing is CPU-bound, so callers run it off the event loop."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHasher:
    def __init__(self, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1) -> None:
        # OWASP's minimum argon2id profile (19 MiB, t=2, p=1): about 20 ms here.
        self._argon2 = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against when the login is unknown, so both paths cost the same.
        self.decoy_hash = self._argon2.hash("decoy password that never matches")

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash or self.decoy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False
