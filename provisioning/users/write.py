"""Users: create, read and edit, with the organization's rules (creating: users/create.py;
editing: users/update.py; seat, disable, enable and delete: users/lifecycle.py; the model:
users/model.py; all re-exported here)."""

from __future__ import annotations

from provisioning.users.checks import (
    CheckedUser,
    check_new_user,
    check_references,
    check_rights,
)
from provisioning.users.create import create_user, create_users
from provisioning.users.lifecycle import delete_user, disable_user, enable_user, set_user_seat
from provisioning.users.model import (
    ACTIVE,
    DISABLED,
    FULL,
    INVITED,
    KEEP,
    MAX_PAGE,
    OBSERVER,
    PENDING,
    PERSONAL_FIELDS,
    PRIVILEGED_ROLES,
    SEATS,
    SOURCES,
    STATUSES,
    Keep,
    Page,
    UserChanges,
    UserDraft,
    audit_view,
    unchanged_condition,
)
from provisioning.users.queries import count_users, get_user, get_users, list_users
from provisioning.users.update import update_user, void_links, write_changes

__all__ = [
    "ACTIVE",
    "DISABLED",
    "FULL",
    "INVITED",
    "KEEP",
    "MAX_PAGE",
    "OBSERVER",
    "PENDING",
    "PERSONAL_FIELDS",
    "PRIVILEGED_ROLES",
    "SEATS",
    "SOURCES",
    "STATUSES",
    "CheckedUser",
    "Keep",
    "Page",
    "UserChanges",
    "UserDraft",
    "audit_view",
    "check_new_user",
    "check_references",
    "check_rights",
    "count_users",
    "create_user",
    "create_users",
    "delete_user",
    "disable_user",
    "enable_user",
    "get_user",
    "get_users",
    "list_users",
    "set_user_seat",
    "unchanged_condition",
    "update_user",
    "void_links",
    "write_changes",
]
