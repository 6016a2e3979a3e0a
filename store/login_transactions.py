"""Pending SSO logins: state, nonce and PKCE verifier, kept server-side and used once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document


@dataclass(frozen=True)
class LoginTransaction:
    state_hash: str
    org_id: str
    provider_id: str
    nonce: str
    code_verifier: str
    browser_hash: str
    return_to: str
    created_at: datetime
    expires_at: datetime
    # The hash of an invitation's binding token: this login binds the identity to that user.
    binding_hash: str | None = None


class LoginTransactions:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["login_transactions"]

    async def insert(self, record: LoginTransaction) -> None:
        await self._collection.insert_one(
            {
                "_id": record.state_hash,
                "org_id": record.org_id,
                "provider_id": record.provider_id,
                "nonce": record.nonce,
                "code_verifier": record.code_verifier,
                "browser_hash": record.browser_hash,
                "return_to": record.return_to,
                "created_at": record.created_at,
                "expires_at": record.expires_at,
                "binding_hash": record.binding_hash,
            }
        )

    async def take(self, org_id: str, state_hash: str, now: datetime) -> LoginTransaction | None:
        """Remove and return the live transaction: a state works once."""
        doc = await self._collection.find_one_and_delete(
            {"_id": state_hash, "org_id": org_id, "expires_at": {"$gt": now}}
        )
        if doc is None:
            return None
        return LoginTransaction(
            state_hash=doc["_id"],
            org_id=doc["org_id"],
            provider_id=doc["provider_id"],
            nonce=doc["nonce"],
            code_verifier=doc["code_verifier"],
            browser_hash=doc["browser_hash"],
            return_to=doc["return_to"],
            created_at=doc["created_at"],
            expires_at=doc["expires_at"],
            binding_hash=doc.get("binding_hash"),
        )
