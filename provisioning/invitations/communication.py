"""An organization's communication settings: which channels carry activation messages, and
whether a new user gets one automatically when they are created."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.invitations.messages import EMAIL, SMS
from store.users import UserRecord

SECTION = "communication"


@dataclass(frozen=True)
class CommunicationSettings:
    send_on_create: bool = False
    email: bool = True
    sms: bool = False


def _settings(values: dict[str, object]) -> CommunicationSettings:
    defaults = CommunicationSettings()
    return CommunicationSettings(
        send_on_create=bool(values.get("send_on_create", defaults.send_on_create)),
        email=bool(values.get("email", defaults.email)),
        sms=bool(values.get("sms", defaults.sms)),
    )


async def communication_settings(deps: Dependencies, org_id: str) -> CommunicationSettings:
    return _settings(await deps.store.setting_sections.get(org_id, SECTION))


async def update_communication_settings(
    deps: Dependencies,
    caller: Caller,
    send_on_create: bool | None = None,
    email: bool | None = None,
    sms: bool | None = None,
) -> CommunicationSettings:
    """Admins. Unset arguments keep their value; at least one channel stays on."""
    org_id = caller.require_admin()
    current = await communication_settings(deps, org_id)
    wanted = CommunicationSettings(
        send_on_create=current.send_on_create if send_on_create is None else send_on_create,
        email=current.email if email is None else email,
        sms=current.sms if sms is None else sms,
    )
    if not (wanted.email or wanted.sms):
        raise ValidationFailed(
            Problem("INVALID", "Turn on at least one channel: email or SMS.", ("input", "email"))
        )
    result = await deps.store.setting_sections.update(org_id, SECTION, asdict(wanted))
    if result is None:
        raise NotFound("Organization")
    await record_event(
        deps,
        caller,
        "organization.communication_settings_updated",
        "Organization",
        org_id,
        diff(asdict(current), asdict(wanted)),
    )
    return wanted


def activation_channels(settings: CommunicationSettings, user: UserRecord) -> list[str]:
    """The channels the organization uses that this user can be reached on; when none of
    them can reach the user, whichever contact they have (email first)."""
    reachable = {EMAIL: bool(user.email), SMS: bool(user.phone)}
    chosen = [
        channel
        for channel, on in ((EMAIL, settings.email), (SMS, settings.sms))
        if on and reachable[channel]
    ]
    if chosen:
        return chosen
    return [channel for channel in (EMAIL, SMS) if reachable[channel]][:1]
