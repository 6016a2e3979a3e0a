"""An organization's self sign-up settings: off by default; the defaults a new person gets,
or a department they pick; which email domains may sign up; whether a username and a phone
may stand in for an email."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.sso.providers import check_email_domains
from provisioning.users.rules import Checker
from provisioning.users.write import KEEP, check_references

SECTION = "signup"


@dataclass(frozen=True)
class SignupSettings:
    enabled: bool = False
    default_department_id: str | None = None
    default_job_profile_id: str | None = None
    default_permission_type_id: str | None = None
    pick_department: bool = False
    email_domains: tuple[str, ...] = ()
    username_with_phone: bool = False

    def allows_domain(self, email: str) -> bool:
        return not self.email_domains or email.rpartition("@")[2] in self.email_domains


@dataclass(frozen=True)
class SignupSettingsChanges:
    """KEEP leaves a value as it is; None clears an optional default."""

    enabled: Any = KEEP
    default_department_id: Any = KEEP
    default_job_profile_id: Any = KEEP
    default_permission_type_id: Any = KEEP
    pick_department: Any = KEEP
    email_domains: Any = KEEP
    username_with_phone: Any = KEEP


def _as_default(problem: Problem) -> Problem:
    name = (problem.field or ("",))[-1]
    if name in ("departmentId", "jobProfileId", "permissionTypeId"):
        return Problem(
            problem.code, problem.message, ("input", f"default{name[0].upper()}{name[1:]}")
        )
    return problem


def _settings(values: dict[str, Any]) -> SignupSettings:
    return SignupSettings(
        enabled=bool(values.get("enabled", False)),
        default_department_id=values.get("default_department_id"),
        default_job_profile_id=values.get("default_job_profile_id"),
        default_permission_type_id=values.get("default_permission_type_id"),
        pick_department=bool(values.get("pick_department", False)),
        email_domains=tuple(values.get("email_domains") or ()),
        username_with_phone=bool(values.get("username_with_phone", False)),
    )


def _stored(settings: SignupSettings) -> dict[str, Any]:
    values = asdict(settings)
    values["email_domains"] = list(settings.email_domains)
    return values


async def signup_settings(deps: Dependencies, org_id: str) -> SignupSettings:
    return _settings(await deps.store.setting_sections.get(org_id, SECTION))


async def update_signup_settings(
    deps: Dependencies, caller: Caller, changes: SignupSettingsChanges
) -> SignupSettings:
    """Admins. The defaults must exist in the organization; domains are normalised."""
    org_id = caller.require_admin()
    current = await signup_settings(deps, org_id)
    wanted = {
        name: getattr(current, name) if getattr(changes, name) is KEEP else getattr(changes, name)
        for name in _stored(current)
    }
    check = Checker()
    wanted["enabled"] = bool(wanted["enabled"])
    wanted["pick_department"] = bool(wanted["pick_department"])
    wanted["username_with_phone"] = bool(wanted["username_with_phone"])
    wanted["email_domains"] = check_email_domains(check, tuple(wanted["email_domains"] or ()))
    await check_references(
        deps,
        org_id,
        check,
        {
            "department_id": wanted["default_department_id"],
            "job_profile_id": wanted["default_job_profile_id"],
            "permission_type_id": wanted["default_permission_type_id"],
        },
    )
    if check.problems:
        # check_references names createUser's fields; here they are the defaults.
        raise ValidationFailed(*(_as_default(p) for p in check.problems))
    settings = _settings(wanted)
    if await deps.store.setting_sections.update(org_id, SECTION, _stored(settings)) is None:
        raise NotFound("Organization")
    await record_event(
        deps,
        caller,
        "organization.signup_settings_updated",
        "Organization",
        org_id,
        diff(_stored(current), _stored(settings)),
    )
    return settings
