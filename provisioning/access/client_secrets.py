"""API clients' secrets: made and hashed here, checked by the token endpoint (auth/)."""

from __future__ import annotations

import hashlib
import secrets


def secret_hash(secret: str) -> str:
    # Client secrets are 256 random bits: a fast hash is enough, a slow one buys nothing.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
