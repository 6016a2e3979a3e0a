"""/metrics shows what a running instance does: requests, operations, MongoDB commands,
SSO logins and the process, in Prometheus's text format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.metrics import MAX_OPERATION_NAMES, Metrics
from tests.integration.conftest import Api
from tests.integration.oidc_provider import FakeProvider, running_provider
from tests.integration.test_sso import GRACE, configure, sso


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


async def test_metrics_count_requests_operations_commands_and_sso_logins(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    for _ in range(3):
        await api.gql(admin, "query Me { me { id } }")
    idp = (await configure(api, admin, provider))["identityProvider"]
    done, _ = await sso(api.browser(), "acme", provider=idp["id"])
    assert done.status_code == 303
    provider.next_user = {**GRACE, "email": "grace@elsewhere.example"}
    await configure(api, admin, provider, id=idp["id"], emailDomains=["acme.example"])
    refused, _ = await sso(api.browser(), "acme", provider=idp["id"])
    assert refused.status_code == 403

    found = samples((await admin.get("/metrics")).text)

    def value(name: str, **labels: str) -> float:
        return found.get((name, tuple(sorted(labels.items()))), 0.0)

    assert (
        value("roster_graphql_operation_duration_seconds_count", operation="Me", type="query") == 3
    )
    assert value("roster_http_responses_total", route="/graphql", status="200") >= 5
    assert value("roster_http_request_duration_seconds_count", route="/auth") >= 4
    assert value("roster_sso_logins_total", outcome="signed_in") == 1
    assert value("roster_sso_logins_total", outcome="EMAIL_DOMAIN_NOT_ALLOWED") == 1
    assert (
        value("roster_mongodb_command_duration_seconds_count", command="find", outcome="succeeded")
        > 0
    )
    assert (
        value(
            "roster_mongodb_command_duration_seconds_count",
            command="aggregate",
            outcome="succeeded",
        )
        >= 2
    )
    assert value("process_cpu_seconds_total") > 0
    assert any(name == "python_gc_collections_total" for name, _ in found)
    # The organization's data is not in the metrics.
    assert "acme" not in (await admin.get("/metrics")).text


def test_operation_names_are_labels_only_while_they_are_few_and_well_formed() -> None:
    metrics = Metrics()
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("x" * 65) == "invalid"
    for number in range(MAX_OPERATION_NAMES):
        assert metrics.operation_label(f"Op{number}") == f"Op{number}"
    assert metrics.operation_label("OneTooMany") == "other"
    assert metrics.operation_label("Op7") == "Op7"
