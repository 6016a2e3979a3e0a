"""scim2-tester against /scim/v2 on a real uvicorn server on a loopback port: every check
it runs (discovery, CRUD, attributes, PATCH add/remove/replace, for Users and Groups) must
pass. The checker is synchronous, so it runs in a worker thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx2
import pytest
import uvicorn
from pydantic import BaseModel
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from scim2_tester.utils import CheckResult

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.admins import create_admin
from provisioning.api_clients import create_api_client
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from server.app import create_app
from tests.e2e.processes import free_port

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}


@pytest.fixture
def served(settings: Settings, fast_hasher: PasswordHasher) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, on the test's database."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(replace(settings, public_url=base), hasher=fast_hasher)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="scim-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def run_checks(base: str, client_id: str, secret: str) -> list[CheckResult]:
    with httpx2.Client(base_url=base, timeout=30) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        assert token.status_code == 200, token.text
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        http.base_url = httpx2.URL(f"{base}/scim/v2/")
        client = SyncSCIMClient(http)
        client.discover()
        give_examples(client)
        return check_server(client)


# Free-valued attributes whose format Roster checks. /Schemas gives them no canonicalValues
# (identity providers show those as a fixed pick list) but states the format in their
# description; the tester, which draws values from canonicalValues and otherwise sends ten
# random digits or a UUID, is told the format as an administrator mapping them would be.
EXAMPLES = {
    ("User", "phone_numbers", "value"): ["+14155550123", "+442079460958", "+33142685300"],
    ("User", "preferred_language", None): ["fr", "de", "en-GB", "nl"],
}


def give_examples(client: SyncSCIMClient) -> None:
    """Examples on the models the client composed from Roster's own /Schemas."""
    for (resource, field, sub_field), examples in EXAMPLES.items():
        model = client.provider.model_for(resource)
        assert model is not None, resource
        if sub_field is None:
            info = model.model_fields[field]
        else:
            complex_type = model.get_field_root_type(field)
            assert isinstance(complex_type, type) and issubclass(complex_type, BaseModel)
            info = complex_type.model_fields[sub_field]
        assert not info.examples, (field, info.examples)  # published with none
        assert info.description, field  # the format is in the description
        info.examples = examples


async def test_every_scim2_tester_check_passes(served: str, deps: Dependencies) -> None:
    admin = await create_admin(deps, "acme", "admin@acme.example", "a long passphrase", "A", "B")
    org_id = admin.organization.id
    # A fresh organization: no partner companies, no departments. The enterprise
    # organization and department the tester sends are created as it names them.
    client = await create_api_client(deps, Caller.system(org_id), "scim2-tester", ["scim"])

    results = await asyncio.to_thread(run_checks, served, client.client.client_id, client.secret)

    failed = [
        f"{r.status.name} {r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status not in PASSING
    ]
    assert failed == [], "\n".join(failed)
    print(f"scim2-tester: {len(results)} checks, all passed")
    titles = {r.title for r in results}
    assert len(results) > 40, len(results)
    assert {"object_creation", "object_replacement", "check_add_attribute"} <= titles, titles
