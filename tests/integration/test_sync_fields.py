"""Phone and department, against the real database and a real scim2-server (in-process).

They are the directory's only where its sync config says so (syncPhone,
departmentAttribute): then read, normalised, matched or created, put back, refused here
(MANAGED_EXTERNALLY); otherwise neither read nor changed, and Roster's to edit. Turned on
later, the next run reads every user. Outbound provisioning pushes them out, always."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ManagedExternally, ValidationFailed
from provisioning.integrations.integrations import create_integration
from provisioning.licences import assign_licence, configure_pool
from provisioning.sso.login import sign_in_with_claims
from provisioning.sync.configuration import SyncSettings, configure_sync, reset_sync_cursor
from provisioning.sync.execution import start_run
from provisioning.sync.mapping import DEPARTMENT_ATTRIBUTE
from provisioning.sync.runs import confirm_sync_run, retry_sync_error, run_sync
from provisioning.users.write import UserChanges, UserDraft, create_user, update_user
from store.identities import IdentityRecord
from store.identity_providers import ClaimMapping, IdentityProviderRecord
from store.ids import new_id
from store.sync_runs import AWAITING_CONFIRMATION, SUCCEEDED
from store.users import UserRecord
from tests.integration.scim_directory import ScimDirectory, scim_directory

PASSWORD = "correct horse battery staple"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
async def directory() -> AsyncIterator[ScimDirectory]:
    async with scim_directory() as directory:
        yield directory


@dataclass(frozen=True)
class Org:
    id: str
    caller: Caller


async def _org(deps: Dependencies) -> Org:
    org_id = (await create_admin(deps, "acme", "admin@acme.example", PASSWORD)).organization.id
    return Org(org_id, Caller.system(org_id))


async def _integration(
    deps: Dependencies,
    org: Org,
    directory: ScimDirectory,
    kind: str = "DIRECTORY",
    *,
    sync_phone: bool = False,
    department_attribute: str | None = None,
) -> str:
    key = "connex" if kind == "DIRECTORY" else "upvise"
    integration = await create_integration(deps, org.caller, key, key.title(), kind)
    product = "upvise" if kind == "PROVISIONING" else None
    settings = SyncSettings(
        base_url=directory.base_url,
        bearer_token="t",
        product_key=product,
        sync_phone=sync_phone,
        department_attribute=department_attribute,
    )
    await configure_sync(deps, org.caller, integration.id, settings)
    return integration.id


async def _owned_by_directory(deps: Dependencies, org: Org, directory: ScimDirectory) -> str:
    """A directory integration that owns the phone and the (enterprise) department."""
    return await _integration(
        deps, org, directory, sync_phone=True, department_attribute=DEPARTMENT_ATTRIBUTE
    )


async def _departments(deps: Dependencies, org: Org) -> dict[str, str]:
    """name -> id"""
    return {d.name: d.id for d in await deps.store.departments.list(org.id)}


async def _user(deps: Dependencies, org: Org, email: str) -> UserRecord:
    user = await deps.store.users.find_by_email(org.id, email)
    assert user is not None, email
    return user


async def test_phone_and_department_are_synced_and_owned_where_the_config_says_so(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _owned_by_directory(deps, org, directory)
    starter = await _departments(deps, org)
    alice = await directory.add_person(
        "alice",
        email="alice@bidder.example",
        department="sales",  # the organization's "Sales", whatever the case
        phones=[
            {"value": "+44 7911 123456", "type": "mobile"},
            {"value": "tel:+44-20-7946-0958", "type": "work", "primary": True},
        ],
    )
    bob = await directory.add_person("bob", email="bob@bidder.example", department="Field Ops")
    await directory.add_person("carol", email="carol@bidder.example", department="FIELD OPS")
    dave = await directory.add_person(
        "dave",
        email="dave@bidder.example",
        department="Legal",
        phones=[{"value": "020 7946 0958", "type": "work"}],
    )

    dry = await run_sync(directory.wired(deps), org.caller, integration_id, dry_run=True)
    assert (dry.created, dry.failed) == (3, 1)
    assert await _departments(deps, org) == starter  # a dry run creates nothing

    first = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (first.status, first.created, first.failed) == (SUCCEEDED, 3, 1), first
    (error,) = await deps.store.sync_runs.errors_page(org.id, first.id, None, 10)
    assert (error.code, error.external_id) == ("PHONE_INVALID", dave)
    assert "020 7946 0958" in error.message
    # A record with a problem is not applied at all: no user, no department of its own.
    assert await deps.store.users.find_by_email(org.id, "dave@bidder.example") is None
    departments = await _departments(deps, org)
    assert set(departments) - set(starter) == {"Field Ops"}  # one, spelt as first read
    alice_user = await _user(deps, org, "alice@bidder.example")
    assert alice_user.phone == "+442079460958"  # the primary number, in E.164
    assert alice_user.department_id == starter["Sales"]
    bob_user = await _user(deps, org, "bob@bidder.example")
    carol_user = await _user(deps, org, "carol@bidder.example")
    assert bob_user.phone is None
    assert bob_user.department_id == carol_user.department_id == departments["Field Ops"]
    events = await deps.store.audit.page(org.id, departments["Field Ops"], None, 10)
    assert [(e.action, e.metadata["integration_id"]) for e in events] == [
        ("department.created", integration_id)
    ]

    # Owned: an edit here is refused, naming the directory and the fields.
    with pytest.raises(ManagedExternally) as refused:
        await update_user(
            deps,
            org.caller,
            alice_user.id,
            UserChanges(phone="+44 7911 123456", department_id=starter["Finance"]),
        )
    assert {p.field for p in refused.value.problems} == {
        ("input", "phone"),
        ("input", "departmentId"),
    }
    assert all(
        p.code == "MANAGED_EXTERNALLY" and "Connex" in p.message for p in refused.value.problems
    )
    # The same values (however spelt), or a field the directory does not own, are fine.
    same = UserChanges(phone="+44 20 7946 0958", department_id=starter["Sales"], language="fr")
    edited = await update_user(deps, org.caller, alice_user.id, same)
    assert (edited.phone, edited.language) == ("+442079460958", "fr")

    # Changed there: applied here, a phone gone there is gone here. Changed here behind
    # the directory's back: put back by the next run that reads the person.
    await directory.patch(
        alice,
        {"op": "remove", "path": "phoneNumbers"},
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Engineering"},
    )
    assert await deps.store.users.update(
        org.id, bob_user.id, {"phone": "+447911123456", "department_id": starter["Support"]}
    )
    await directory.replace(bob, "title", "Site lead")  # read again by the next run
    second = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (second.updated, second.created) == (2, 0), second
    alice_user = await _user(deps, org, "alice@bidder.example")
    assert (alice_user.phone, alice_user.department_id) == (None, starter["Engineering"])
    bob_user = await _user(deps, org, "bob@bidder.example")
    assert (bob_user.phone, bob_user.department_id) == (None, departments["Field Ops"])

    # Fixed at the source, the failed record is retried alone, and applies in full.
    await directory.replace(dave, "phoneNumbers", [{"value": "+44 20 7946 0000", "type": "work"}])
    retried = await retry_sync_error(directory.wired(deps), org.caller, error.id)
    assert retried.resolved_at is not None
    dave_user = await _user(deps, org, "dave@bidder.example")
    assert dave_user.phone == "+442079460000"
    assert dave_user.department_id == (await _departments(deps, org))["Legal"]
    # A retry reads one record, not the changes: the cursor stays where the last run left it.
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.cursor == second.cursor_to is not None


async def test_outbound_provisioning_pushes_the_phone_and_the_department(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _integration(deps, org, directory, kind="PROVISIONING")
    # An app is sent both, always: there is nothing to choose.
    with pytest.raises(ValidationFailed) as refused:
        choice = SyncSettings(sync_phone=True, department_attribute=DEPARTMENT_ATTRIBUTE)
        await configure_sync(deps, org.caller, integration_id, choice)
    assert {p.field for p in refused.value.problems} == {
        ("input", "syncPhone"),
        ("input", "departmentAttribute"),
    }
    await configure_pool(deps, org.caller, "upvise", "Upvise", 5)
    departments = await _departments(deps, org)
    ann = await create_user(
        deps,
        org.caller,
        UserDraft(
            first_name="Ann",
            last_name="Lee",
            email="ann@acme.example",
            phone="+44 20 7946 0958",
            department_id=departments["Sales"],
        ),
    )
    await assign_licence(deps, org.caller, ann.id, "upvise")
    created = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (created.status, created.created, created.failed) == (SUCCEEDED, 1, 0), created
    (remote,) = await directory.users()
    assert [p["value"] for p in remote["phoneNumbers"]] == ["+442079460958"]
    assert remote[ENTERPRISE]["department"] == "Sales"

    await update_user(
        deps, org.caller, ann.id, UserChanges(phone=None, department_id=departments["Finance"])
    )
    updated = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (updated.updated, updated.failed) == (1, 0), updated
    remote = await directory.get(remote["id"])
    assert "phoneNumbers" not in remote
    assert remote[ENTERPRISE]["department"] == "Finance"

    await update_user(deps, org.caller, ann.id, UserChanges(department_id=None))
    assert (await run_sync(directory.wired(deps), org.caller, integration_id)).failed == 0
    remote = await directory.get(remote["id"])
    assert "department" not in (remote.get(ENTERPRISE) or {})


async def test_an_sso_provider_that_owns_profiles_leaves_the_directorys_fields_alone(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _owned_by_directory(deps, org, directory)
    await directory.add_person("alice", email="alice@bidder.example", department="Sales")
    assert (await run_sync(directory.wired(deps), org.caller, integration_id)).created == 1
    alice = await _user(deps, org, "alice@bidder.example")
    now = deps.clock()
    provider = IdentityProviderRecord(
        id=new_id(),
        org_id=org.id,
        name="Okta",
        issuer="https://okta.example",
        client_id="roster",
        client_secret_sealed="",
        scopes=("openid",),
        email_domains=(),
        jit=True,
        link_by_verified_email=False,
        owns_profile=True,
        default_department_id=None,
        default_job_profile_id=None,
        default_permission_type_id=None,
        default_seat="OBSERVER",
        default_language=None,
        claims=ClaimMapping(department="department"),
        created_at=now,
        updated_at=now,
    )
    await deps.store.identity_providers.insert(provider)
    identity = IdentityRecord(org.id, provider.issuer, "okta|alice", alice.id, provider.id, now)
    await deps.store.identities.claim(identity)
    claims = {
        "sub": "okta|alice",
        "email": "alice@bidder.example",
        "given_name": "Alicia",
        "family_name": "Doe",
        "department": "Finance",
    }
    signed_in = (await sign_in_with_claims(deps, provider, claims)).user
    # Name and department are the directory's: the provider's claims do not overwrite them.
    assert (signed_in.first_name, signed_in.department_id) == ("Alice", alice.department_id)
    assert await _user(deps, org, "alice@bidder.example") == alice

    # Departments no longer synced: the department is the provider's to refresh, the
    # name still the directory's.
    off = SyncSettings(department_attribute=None)
    await configure_sync(deps, org.caller, integration_id, off)
    signed_in = (await sign_in_with_claims(deps, provider, claims)).user
    finance = (await _departments(deps, org))["Finance"]
    assert (signed_in.first_name, signed_in.department_id) == ("Alice", finance)
    assert (await _user(deps, org, "alice@bidder.example")).department_id == finance


async def test_with_the_options_off_phone_and_department_are_left_to_roster(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _integration(deps, org, directory)
    # A config stored before the options existed has neither field: it behaves as off.
    result = await deps.store.db["sync_configs"].update_one(
        {"org_id": org.id}, {"$unset": {"sync_phone": "", "department_attribute": ""}}
    )
    assert result.modified_count == 1
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and (config.sync_phone, config.department_attribute) == (False, None)
    starter = await _departments(deps, org)
    alice = await directory.add_person("alice", email="alice@bidder.example")
    # An invalid phone and an unknown department, neither of which is read.
    await directory.add_person(
        "bob",
        email="bob@bidder.example",
        department="Legal",
        phones=[{"value": "020 7946 0958", "primary": True}],
    )

    first = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (first.status, first.created, first.failed) == (SUCCEEDED, 2, 0), first
    assert await _departments(deps, org) == starter  # no "Legal" made
    bob = await _user(deps, org, "bob@bidder.example")
    assert (bob.phone, bob.department_id) == (None, None)

    # Roster's to edit: an admin sets them; the directory's fields are still refused.
    alice_user = await _user(deps, org, "alice@bidder.example")
    local = UserChanges(phone="+44 20 7946 0958", department_id=starter["Sales"])
    edited = await update_user(deps, org.caller, alice_user.id, local)
    assert (edited.phone, edited.department_id) == ("+442079460958", starter["Sales"])
    with pytest.raises(ManagedExternally) as refused:
        await update_user(
            deps, org.caller, alice_user.id, UserChanges(first_name="Al", phone="+447911123456")
        )
    assert [p.field for p in refused.value.problems] == [("input", "firstName")]

    # Read again (changed there, then everything from a null cursor): left as they are.
    await directory.replace(alice, "title", "Site lead")
    changed = await run_sync(directory.wired(deps), org.caller, integration_id)
    # (bob too, perhaps: the cursor's millisecond is read again)
    assert changed.read >= 1 and (changed.updated, changed.failed) == (0, 0), changed
    await reset_sync_cursor(deps, org.caller, integration_id, None)
    full = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (full.read, full.updated, full.disabled, full.failed) == (2, 0, 0, 0), full
    alice_user = await _user(deps, org, "alice@bidder.example")
    assert (alice_user.phone, alice_user.department_id) == ("+442079460958", starter["Sales"])


async def test_a_custom_department_attribute(deps: Dependencies, directory: ScimDirectory) -> None:
    org = await _org(deps)
    division = f"{ENTERPRISE}:division"
    integration_id = await _integration(deps, org, directory, department_attribute=division)
    starter = await _departments(deps, org)
    ann = await directory.add_person("ann", email="ann@bidder.example", department="Sales")
    await directory.replace(ann, division, "Tenders")
    run = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (run.created, run.failed) == (1, 0), run
    departments = await _departments(deps, org)
    assert set(departments) - set(starter) == {"Tenders"}  # the division, not "Sales"
    ann_user = await _user(deps, org, "ann@bidder.example")
    assert ann_user.department_id == departments["Tenders"]
    # The department is the directory's, the phone (not synced) Roster's.
    with pytest.raises(ManagedExternally) as refused:
        await update_user(
            deps,
            org.caller,
            ann_user.id,
            UserChanges(phone="+44 20 7946 0958", department_id=starter["Sales"]),
        )
    assert [p.field for p in refused.value.problems] == [("input", "departmentId")]
    edited = await update_user(deps, org.caller, ann_user.id, UserChanges(phone="+447911123456"))
    assert edited.phone == "+447911123456"
    # No division there: no department here.
    await directory.patch(ann, {"op": "remove", "path": division})
    assert (await run_sync(directory.wired(deps), org.caller, integration_id)).updated == 1
    ann_user = await _user(deps, org, "ann@bidder.example")
    assert (ann_user.department_id, ann_user.phone) == (None, "+447911123456")


async def test_turning_the_options_on_later_applies_them_to_every_user(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _integration(deps, org, directory)
    integration = await deps.store.integrations.get(org.id, integration_id)
    assert integration is not None
    await directory.add_person(
        "alice",
        email="alice@bidder.example",
        department="Field Ops",
        phones=[{"value": "+44 20 7946 0958", "type": "work"}],
    )
    await directory.add_person("bob", email="bob@bidder.example")
    first = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (first.created, first.failed) == (2, 0), first
    bob = await _user(deps, org, "bob@bidder.example")
    await update_user(deps, org.caller, bob.id, UserChanges(phone="+447911123456"))
    quiet = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert quiet.cursor_from == first.cursor_to is not None and quiet.read <= 1

    # Turned on: nobody changed at the source, yet the next run reads and applies all.
    on = SyncSettings(sync_phone=True, department_attribute=DEPARTMENT_ATTRIBUTE)
    await configure_sync(deps, org.caller, integration_id, on)
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is not None
    # A run that started with the settings as they were (it read only the changes) does
    # not count as the full read.
    before = dataclasses.replace(config, sync_phone=False, department_attribute=None)
    before = dataclasses.replace(before, full_read_due=None)
    owner = new_id()
    assert await deps.store.sync_configs.take_lease(
        org.id, integration_id, owner, deps.clock(), timedelta(minutes=5)
    )
    older = await start_run(
        directory.wired(deps), org.caller, integration, before, owner, dry_run=False, trigger="test"
    )
    assert older.status == SUCCEEDED and older.cursor_from is not None
    assert (await _user(deps, org, "alice@bidder.example")).phone is None
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is not None

    full = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert full.cursor_from is None and (full.read, full.updated, full.failed) == (2, 2, 0), full
    alice = await _user(deps, org, "alice@bidder.example")
    assert alice.phone == "+442079460958"
    assert alice.department_id == (await _departments(deps, org))["Field Ops"]
    bob = await _user(deps, org, "bob@bidder.example")
    assert (bob.phone, bob.department_id) == (None, None)  # none there: none here
    with pytest.raises(ManagedExternally):
        await update_user(deps, org.caller, bob.id, UserChanges(phone="+447911123456"))
    # Done: the run after reads the changes again.
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is None
    after = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert after.cursor_from == full.cursor_to is not None and after.updated == 0

    # Turned off: no full read; the fields are Roster's again, as the directory left them.
    off = SyncSettings(sync_phone=False, department_attribute=None)
    await configure_sync(deps, org.caller, integration_id, off)
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is None
    edited = await update_user(deps, org.caller, bob.id, UserChanges(phone="+447911123456"))
    assert edited.phone == "+447911123456"


async def test_a_held_run_confirmed_after_turning_the_phone_on_is_not_the_full_read(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _integration(deps, org, directory)
    phone = [{"value": "+44 20 7946 0958", "type": "work"}]
    people = [
        await directory.add_person(f"p{i}", email=f"p{i}@bidder.example", phones=phone)
        for i in range(5)
    ]
    first = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert (first.created, first.failed) == (5, 0), first
    for person in people[3:]:  # 2 of 5: above the 20% threshold
        await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert held.status == AWAITING_CONFIRMATION and held.cursor_from == first.cursor_to

    await configure_sync(deps, org.caller, integration_id, SyncSettings(sync_phone=True))
    confirmed = await confirm_sync_run(directory.wired(deps), org.caller, held.id)
    # It read the changes since its own cursor, not everything: the full read is still due.
    assert (confirmed.status, confirmed.disabled) == (SUCCEEDED, 2), confirmed
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is not None
    full = await run_sync(directory.wired(deps), org.caller, integration_id)
    assert full.cursor_from is None and full.read == 5, full
    assert (await _user(deps, org, "p0@bidder.example")).phone == "+442079460958"
    config = await deps.store.sync_configs.get(org.id, integration_id)
    assert config is not None and config.full_read_due is None


async def test_a_department_name_spelt_with_other_spacing_or_width_is_the_same_department(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    org = await _org(deps)
    integration_id = await _owned_by_directory(deps, org, directory)
    starter = await _departments(deps, org)
    # "Sales" as the organization has it, as uniqueness compares names (store/reference.py).
    await directory.add_person("ann", email="ann@bidder.example", department="  sales ")
    full_width_sales = "\uff33\uff21\uff2c\uff25\uff33"
    await directory.add_person("ben", email="ben@bidder.example", department=full_width_sales)
    await directory.add_person("cy", email="cy@bidder.example", department="Field Ops")
    ligature = "\ufb01eld ops"  # "field ops" with the "fi" ligature
    await directory.add_person("di", email="di@bidder.example", department=ligature)

    run = await run_sync(directory.wired(deps), org.caller, integration_id)

    assert (run.status, run.created, run.failed) == (SUCCEEDED, 4, 0), run
    departments = await _departments(deps, org)
    assert set(departments) - set(starter) == {"Field Ops"}  # one, as first read, tidied
    for email in ("ann@bidder.example", "ben@bidder.example"):
        assert (await _user(deps, org, email)).department_id == starter["Sales"]
    for email in ("cy@bidder.example", "di@bidder.example"):
        assert (await _user(deps, org, email)).department_id == departments["Field Ops"]
