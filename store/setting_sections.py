"""Named sections of an organization's settings (communication, sign-up, ...).

Each section is a subdocument of the organization, ``settings_sections.<name>``, read and
written on its own, so that one capability's settings never overwrite another's.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document

PREFIX = "settings_sections"


class SettingSections:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["organizations"]

    async def get(self, org_id: str, section: str) -> dict[str, Any]:
        """The stored values of the section; empty when never set."""
        oid = object_id(org_id)
        if oid is None:
            return {}
        doc = await self._collection.find_one({"_id": oid}, {f"{PREFIX}.{section}": 1})
        return dict(((doc or {}).get(PREFIX) or {}).get(section) or {})

    async def update(
        self, org_id: str, section: str, values: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Set these values of the section; (before, after), or None for no such organization."""
        oid = object_id(org_id)
        if oid is None:
            return None
        changes = {f"{PREFIX}.{section}.{name}": value for name, value in values.items()}
        before = await self._collection.find_one_and_update(
            {"_id": oid},
            {"$set": changes},
            projection={f"{PREFIX}.{section}": 1},
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return None
        old = dict((before.get(PREFIX) or {}).get(section) or {})
        return old, {**old, **values}
