"""What an inbound run read and will apply: the directory's people, what Roster knows of
them, and what would be disabled."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from provisioning.sync.mapping import Person, Problem
from store.users import UserRecord


@dataclasses.dataclass
class Plan:
    people: dict[str, Person]
    problems: dict[str, Problem]
    linked: dict[str, str]  # external id -> user id
    users: dict[str, UserRecord]  # by user id
    disables: list[tuple[str, UserRecord]]  # (external id, user)
    managed_active: int
    latest: datetime | None
    # Disabled by this directory, and untouched since: enabled again if active there.
    reenable: set[str] = dataclasses.field(default_factory=set)
