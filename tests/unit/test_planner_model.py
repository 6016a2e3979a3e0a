"""The model of the embedded database's planner that every integration test through the
app checks its filters with (tests/integration/planner.py): it must flag what reads too much
and pass what an index serves, or that check proves nothing."""

from tests.integration.planner import scan_problem


def test_a_filter_with_more_than_an_index_holds_walks_the_organization() -> None:
    # sessions are indexed by (org_id, user_id, identity_key): one clause more is too many.
    problem = scan_problem("sessions", {"org_id": "o", "user_id": "u", "kind": "x"})
    assert problem is not None and "organization" in problem
    assert scan_problem("licence_events", {"org_id": "o", "user_id": "u", "kind": "x"})


def test_an_operator_at_the_top_reads_every_organization() -> None:
    problem = scan_problem("organizations", {"_id": "o", "$or": [{"a": 1}, {"b": 2}]})
    assert problem is not None and "$or" in problem
    assert scan_problem("licence_pools", {"org_id": "o", "$expr": {"$lt": ["$used", "$seats"]}})


def test_filters_an_index_serves_pass() -> None:
    assert scan_problem("sessions", {"org_id": "o", "user_id": "u"}) is None
    assert scan_problem("sessions", {"org_id": "o", "user_id": "u", "identity_key": "k"}) is None
    # equalities then a range on the next field of an index (org_target_recent)
    assert (
        scan_problem("audit_events", {"org_id": "o", "target_id": "t", "_id": {"$lt": 1}}) is None
    )
    # a point lookup named first serves the rest of the filter
    assert scan_problem("users", {"_id": "u", "org_id": "o", "status": {"$ne": "X"}}) is None
    assert scan_problem("licence_assignments", {"claim": "c", "org_id": "o", "state": "P"}) is None


def test_the_same_clauses_in_another_order_are_served_by_the_first() -> None:
    # an _id lookup named after org_id is served by org_id's index: the organization
    assert scan_problem("departments", {"org_id": "o", "_id": {"$in": ["a"]}, "x": 1})
    assert scan_problem("departments", {"_id": {"$in": ["a"]}, "org_id": "o", "x": 1}) is None


def test_a_clause_no_index_can_serve_is_not_blamed_on_the_organization() -> None:
    # a regular expression reads what its other clauses select, whatever the indexes
    assert scan_problem("users", {"org_id": "o", "last_name": {"$regex": "^a"}, "x": 1}) is None
