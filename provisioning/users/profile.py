"""A person's own profile fields: the ones they may set when accepting an invitation and
edit later (updateMe). Which ones is the organization's setting (section "profile"); roles
and the email are never theirs to change here, nor a field a directory manages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.sync.ownership import refuse_directory_fields
from provisioning.users.rules import Checker
from store.users import UserRecord

SECTION = "profile"


@dataclass(frozen=True)
class ProfileSettings:
    """Which of their own fields members (and invitees) may set."""

    names: bool = True
    phone: bool = True
    language: bool = True


@dataclass(frozen=True)
class ProfileInput:
    """None: leave as it is."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    language: str | None = None


_SETTING_OF = {
    "first_name": "names",
    "last_name": "names",
    "phone": "phone",
    "language": "language",
}
_INPUT_NAMES = {
    "first_name": "firstName",
    "last_name": "lastName",
    "phone": "phone",
    "language": "language",
}


def _settings(values: dict[str, Any]) -> ProfileSettings:
    defaults = ProfileSettings()
    return ProfileSettings(
        **{name: bool(values.get(name, getattr(defaults, name))) for name in asdict(defaults)}
    )


async def profile_settings(deps: Dependencies, org_id: str) -> ProfileSettings:
    return _settings(await deps.store.setting_sections.get(org_id, SECTION))


async def update_profile_settings(
    deps: Dependencies,
    caller: Caller,
    names: bool | None = None,
    phone: bool | None = None,
    language: bool | None = None,
) -> ProfileSettings:
    """Admins. Unset arguments keep their value; audited as organization.profile_settings."""
    org_id = caller.require_admin()
    current = await profile_settings(deps, org_id)
    wanted = ProfileSettings(
        names=current.names if names is None else names,
        phone=current.phone if phone is None else phone,
        language=current.language if language is None else language,
    )
    result = await deps.store.setting_sections.update(org_id, SECTION, asdict(wanted))
    if result is None:
        raise NotFound("Organization")
    await record_event(
        deps,
        caller,
        "organization.profile_settings_updated",
        "Organization",
        org_id,
        diff(asdict(current), asdict(wanted)),
    )
    return wanted


async def checked_profile(
    deps: Dependencies, user: UserRecord, given: ProfileInput
) -> dict[str, Any]:
    """The record changes `given` asks for, by createUser's rules, that differ from `user`.
    FORBIDDEN for a field the organization keeps from its members, MANAGED_EXTERNALLY for
    one the user's directory owns, INVALID/REQUIRED as createUser."""
    asked = {name: value for name, value in asdict(given).items() if value is not None}
    if not asked:
        return {}
    settings = await profile_settings(deps, user.org_id)
    forbidden = [
        Problem(
            "FORBIDDEN",
            "Your organization does not let members change this field.",
            ("input", _INPUT_NAMES[name]),
        )
        for name in asked
        if not getattr(settings, _SETTING_OF[name])
    ]
    if forbidden:
        raise ValidationFailed(*forbidden)
    check = Checker()
    values: dict[str, Any] = {}
    if "first_name" in asked:
        values["first_name"] = check.name("firstName", asked["first_name"])
    if "last_name" in asked:
        values["last_name"] = check.name("lastName", asked["last_name"])
    if "phone" in asked:
        values["phone"] = check.phone(asked["phone"])
    if "language" in asked:
        organization = await deps.store.organizations.get(user.org_id)
        default = organization.default_language if organization else "en"
        values["language"] = check.language(asked["language"], default)
    if not check.problems:
        check.contact(user.email, user.username, values.get("phone", user.phone))
    if check.problems:
        raise ValidationFailed(*check.problems)
    changed = {name: value for name, value in values.items() if getattr(user, name) != value}
    await refuse_directory_fields(deps, user, changed)
    return changed
