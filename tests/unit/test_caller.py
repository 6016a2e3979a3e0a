from __future__ import annotations

import pytest

from provisioning.access.principal import ADMIN, MEMBER, Principal
from provisioning.caller import Caller
from provisioning.errors import Forbidden


def test_anonymous_caller_is_neither_signed_in_nor_admin() -> None:
    anonymous = Caller(principal=None, request_id="r1")
    assert not anonymous.is_admin
    with pytest.raises(Forbidden):
        anonymous.require_signed_in()
    with pytest.raises(Forbidden):
        anonymous.require_admin()


def test_member_is_signed_in_but_not_admin() -> None:
    member = Caller(Principal(org_id="o1", user_id="u1", roles=frozenset({MEMBER})))
    assert member.require_signed_in() == "o1"
    with pytest.raises(Forbidden):
        member.require_admin()
    assert (member.actor_type, member.actor_id) == ("user", "u1")


def test_admin_and_command_line_act_within_their_organization() -> None:
    admin = Caller(Principal(org_id="o1", user_id="u1", roles=frozenset({ADMIN})))
    assert admin.require_admin() == "o1"
    system = Caller.system("o2")
    assert system.require_admin() == "o2"
    assert (system.actor_type, system.actor_id) == ("system", None)
