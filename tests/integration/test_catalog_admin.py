"""Roles and the catalog managed over GraphQL (issue 16, seeds 002 and 003)."""

from __future__ import annotations

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.test_users import create, organization


async def test_seat_limit_cannot_go_below_the_full_seats_in_use(api: Api) -> None:
    admin, _ = await api.admin_of("acme")  # the admin holds one full seat
    made = await create(
        api, admin, email="a@acme.example", firstName="A", lastName="A", seat="FULL"
    )
    assert made["userErrors"] == []
    below = await api.gql(admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 1}})
    errors = below["data"]["updateOrganizationSettings"]["userErrors"]
    assert [e["code"] for e in errors] == ["SEATS_IN_USE"]
    assert "2" in errors[0]["message"]
    assert (await organization(api, admin))["settings"]["seatLimit"] is None
    at_use = await api.gql(admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 2}})
    assert at_use["data"]["updateOrganizationSettings"]["userErrors"] == []
    assert (await organization(api, admin))["seats"]["limit"] == 2
