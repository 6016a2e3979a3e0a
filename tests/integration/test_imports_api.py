"""Bulk import over HTTP: GraphQL multipart uploads, CSRF, scopes, the workbooks, the worker."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.imports.jobs import ImportRunner, start_import
from provisioning.users.write import UserDraft, create_user
from store.ids import new_id
from store.reference import ReferenceRecord
from tests.import_files import csv_bytes, person, xlsx_bytes
from tests.integration.conftest import Api
from tests.integration.test_partner_access import new_client, token_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = """mutation($input: StartImportInput!) { startImport(input: $input) {
  importJob { id status dryRun fileName totalRows }
  userErrors { field code message } } }"""
JOB = """query($id: ID!, $first: Int, $after: String) { importJob(id: $id) {
  id status dryRun totalRows processedRows created skippedExisting failed error
  rowErrors(first: $first, after: $after) {
    edges { cursor node { row field code message } }
    pageInfo { hasNextPage endCursor } } } }"""
MAX_BYTES = 200_000


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        import_max_bytes=MAX_BYTES,
    )


def multipart(data: bytes, name: str, dry_run: bool = False) -> dict[str, Any]:
    """The GraphQL multipart request spec: operations, map, then the file part."""
    operations = {"query": START, "variables": {"input": {"file": None, "dryRun": dry_run}}}
    return {
        "data": {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        "files": {"0": (name, data, XLSX if name.endswith(".xlsx") else "text/csv")},
    }


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    name: str = "people.xlsx",
    *,
    dry_run: bool = False,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        "/graphql",
        headers={"X-Roster-Request": "1"} if headers is None else headers,
        **multipart(data, name, dry_run),
    )


async def started(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["startImport"]
    return payload


async def finished(
    api: Api, client: httpx.AsyncClient, job_id: str, **variables: Any
) -> dict[str, Any]:
    for _ in range(300):
        body = await api.gql(client, JOB, {"id": job_id, **variables})
        job: dict[str, Any] = body["data"]["importJob"]
        if job["status"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job did not finish: {job}")


async def seed(deps: Dependencies, org_id: str) -> None:
    # Sales is a starter department already (names are unique): one of the organization's own.
    await deps.store.departments.insert_many(
        org_id, [ReferenceRecord(new_id(), org_id, "Field Sales")]
    )


async def test_an_admin_uploads_a_workbook_and_follows_the_job_to_its_end(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seed(api.deps, org_id)
    rows = [person(i, department="sales") for i in range(6)]
    rows[2] = person(2, email="nope", department="Marketing")  # two problems: two row errors
    rows[4] = person(4, first=None)
    payload = await started(await upload(admin, xlsx_bytes(rows)))
    assert payload["userErrors"] == []
    assert payload["importJob"]["fileName"] == "people.xlsx"
    assert payload["importJob"]["totalRows"] == 6
    job = await finished(api, admin, payload["importJob"]["id"], first=2)
    assert job["status"] == "DONE" and not job["dryRun"]
    assert (job["processedRows"], job["created"], job["skippedExisting"], job["failed"]) == (
        6,
        4,
        0,
        2,
    )
    first_page = job["rowErrors"]
    assert [e["node"]["row"] for e in first_page["edges"]] == [4, 4]
    assert {e["node"]["field"] for e in first_page["edges"]} == {"email", "department"}
    assert first_page["pageInfo"]["hasNextPage"]
    rest = await finished(api, admin, job["id"], after=first_page["pageInfo"]["endCursor"])
    assert [
        (e["node"]["row"], e["node"]["field"], e["node"]["code"])
        for e in rest["rowErrors"]["edges"]
    ] == [(6, "firstName", "REQUIRED")]
    assert not rest["rowErrors"]["pageInfo"]["hasNextPage"]
    users = await api.gql(admin, "{ users(first: 50) { totalCount } }")
    assert users["data"]["users"]["totalCount"] == 5  # the admin and four imported


async def test_a_dry_run_over_graphql_writes_no_user(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    before = await api.deps.store.db["users"].count_documents({})
    payload = await started(await upload(admin, xlsx_bytes([person(1), person(2)]), dry_run=True))
    job = await finished(api, admin, payload["importJob"]["id"])
    assert job["dryRun"] and job["created"] == 2
    assert await api.deps.store.db["users"].count_documents({}) == before


async def test_a_csv_upload_is_accepted_and_a_file_that_is_not_a_spreadsheet_is_a_user_error(
    api: Api,
) -> None:
    admin, _ = await api.admin_of("acme")
    payload = await started(
        await upload(admin, csv_bytes([person(1)], bom=True, line_end="\r\n"), "p.csv")
    )
    job = await finished(api, admin, payload["importJob"]["id"])
    assert job["created"] == 1
    refused = await started(await upload(admin, b"%PDF-1.4\x00\x01binary", "scan.pdf"))
    assert refused["importJob"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "file"], "INVALID")
    ]


async def test_a_multipart_post_with_the_session_cookie_but_no_csrf_header_is_refused(
    api: Api,
) -> None:
    admin, _ = await api.admin_of("acme")
    response = await upload(admin, xlsx_bytes([person(1)]), headers={})
    assert response.status_code == 403
    assert "X-Roster-Request" in response.text
    assert await api.deps.store.db["import_jobs"].count_documents({}) == 0
    assert await api.deps.store.db["users"].count_documents({"source": "IMPORT"}) == 0


async def test_a_bearer_upload_needs_the_imports_write_scope(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    results: dict[str, dict[str, Any]] = {}
    for scopes in (["users:write"], ["imports:write"]):
        created = await new_client(api, admin, scopes, name=scopes[0])
        token = await token_for(
            api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
        )
        assert token.status_code == 200, token.text
        response = await upload(
            api.browser(),
            xlsx_bytes([person(len(results))]),
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        results[scopes[0]] = await started(response)
    assert [e["code"] for e in results["users:write"]["userErrors"]] == ["FORBIDDEN"]
    assert results["imports:write"]["userErrors"] == []
    assert await api.deps.store.db["import_jobs"].count_documents({}) == 1


async def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    big = csv_bytes([person(i, last="x" * 90) for i in range(3000)])
    assert len(big) > MAX_BYTES + 64 * 1024
    response = await upload(admin, big, "big.csv")
    assert response.status_code == 413
    # Without a length up front (chunked), it is cut off as it streams in.
    body = httpx.Request("POST", "http://testserver/graphql", **multipart(big, "big.csv"))
    chunks = body.read()

    async def stream() -> Any:
        for start in range(0, len(chunks), 65536):
            yield chunks[start : start + 65536]

    headers = {
        "content-type": body.headers["content-type"],
        "X-Roster-Request": "1",
    }
    chunked = await admin.post("/graphql", content=stream(), headers=headers)
    assert chunked.status_code == 413
    # Just over the file limit, inside the envelope allowance: a user error on the file.
    near = csv_bytes([person(i, last="x" * 90) for i in range(1800)])
    assert MAX_BYTES < len(near) < MAX_BYTES + 64 * 1024
    payload = await started(await upload(admin, near, "near.csv"))
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "file"], "INVALID")
    ]
    assert await api.deps.store.db["import_jobs"].count_documents({}) == 0


async def test_the_template_has_the_columns_and_the_organizations_lists(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seed(api.deps, org_id)
    response = await admin.get("/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Users", "Lists", "Instructions"]
    users = workbook["Users"]
    header = [c.value for c in users[1]]
    assert header[:5] == ["Email", "Username", "Phone", "First name", "Last name"]
    assert header[-1] == "One-time password"
    validations = {str(v.sqref).split(":")[0]: v for v in users.data_validations.dataValidation}
    department = validations["G2"]  # the Department column
    lists = workbook["Lists"]
    column = department.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    departments = [r.name for r in await api.deps.store.departments.list(org_id)]
    assert "Sales" in departments
    offered = [row[0].value for row in lists[department.formula1.split("!")[1].replace("$", "")]]
    assert offered == departments
    assert lists[f"{column}1"].value == "Department"
    # The template, filled in, imports as it is.
    users.append(["t@example.com", None, None, "Tess", "Template", "en-GB", "Sales"])
    filled = io.BytesIO()
    workbook.save(filled)
    payload = await started(await upload(admin, filled.getvalue(), "template.xlsx"))
    job = await finished(api, admin, payload["importJob"]["id"])
    assert (job["created"], job["failed"]) == (1, 0)


async def test_the_workbooks_are_for_admins_and_imports_write_tokens_only(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    assert (await api.browser().get("/import/template.xlsx")).status_code == 401
    member = await create_user(
        api.deps,
        Caller.system(org_id),
        UserDraft(first_name="Mo", last_name="Member", email="mo@acme.example", roles=("MEMBER",)),
    )
    await api.give_password(org_id, member.id, "another long passphrase")
    member_browser = api.browser()
    await api.sign_in(member_browser, "acme", "mo@acme.example", "another long passphrase")
    assert (await member_browser.get("/import/template.xlsx")).status_code == 403
    created = await new_client(api, admin, ["imports:write"])
    token = await token_for(
        api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
    )
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await api.browser().get("/import/template.xlsx", headers=bearer)).status_code == 200
    assert (await admin.get(f"/import/{new_id()}/errors.xlsx")).status_code == 404


async def test_errors_xlsx_gives_the_failing_rows_back_ready_to_fix(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    rows = [
        person(1),
        person(2, email="nope", phone="+44 20 7946 0018", password="Tr0ub4dor&3-secret"),
        person(3, last='=HYPERLINK("http://evil.example")'),
    ]
    payload = await started(await upload(admin, xlsx_bytes(rows)))
    job = await finished(api, admin, payload["importJob"]["id"])
    assert job["failed"] == 2
    response = await admin.get(f"/import/{job['id']}/errors.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Users"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][-1] == "Error" and values[0][0] == "Email"
    assert values[1][0] == "nope" and values[1][2] == "'+44 20 7946 0018"
    assert values[1][12] is None  # the one-time password is not kept
    assert "email" in str(values[1][-1])
    assert values[2][4] == '\'=HYPERLINK("http://evil.example")'  # shown, never run
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Fixed and uploaded again as it is (its Error column is ignored).
    sheet["A2"] = "fixed@example.com"
    sheet["E3"] = "Fixed"
    fixed = io.BytesIO()
    workbook.save(fixed)
    again = await started(await upload(admin, fixed.getvalue(), "errors.xlsx"))
    redone = await finished(api, admin, again["importJob"]["id"])
    assert (redone["created"], redone["failed"]) == (2, 0)


async def test_the_app_resumes_a_job_whose_runner_stopped(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    deps = api.deps
    rows = [person(i) for i in range(25)]
    job = await start_import(
        deps, Caller.system(org_id), io.BytesIO(xlsx_bytes(rows)), "p.xlsx", False, owner="gone"
    )
    crashed = ImportRunner(deps, "gone", batch_size=10, lease_seconds=0)
    assert (await crashed.run(job, stop_after_batches=1)).counts.processed_rows == 10
    # Its lease has expired: the app's worker takes the job over and finishes it.
    state: dict[str, Any] = api.transport.app.state  # type: ignore[attr-defined]
    state["imports"].wake()
    done = await finished(api, admin, job.id)
    assert (done["status"], done["processedRows"], done["created"]) == ("DONE", 25, 25)
    assert await deps.store.db["users"].count_documents({"source": "IMPORT"}) == 25


async def test_resume_import_requeues_a_failed_job(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    job = await start_import(
        api.deps,
        Caller.system(org_id),
        io.BytesIO(xlsx_bytes([person(1)])),
        "p.xlsx",
        False,
        owner="x",
    )
    await api.deps.store.import_jobs.finish(org_id, job.id, "x", "FAILED", api.deps.clock(), "boom")
    resume = """mutation($input: ResumeImportInput!) { resumeImport(input: $input) {
      importJob { id status } userErrors { field code } } }"""
    body = await api.gql(admin, resume, {"input": {"id": job.id}})
    assert body["data"]["resumeImport"]["importJob"]["status"] == "QUEUED"
    done = await finished(api, admin, job.id)
    assert (done["status"], done["created"]) == ("DONE", 1)
    again = await api.gql(admin, resume, {"input": {"id": job.id}})
    assert [e["code"] for e in again["data"]["resumeImport"]["userErrors"]] == ["INVALID"]


async def test_another_organizations_admin_sees_nothing_of_a_job(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    payload = await started(await upload(admin, xlsx_bytes([person(1), person(2, email="x")])))
    job = await finished(api, admin, payload["importJob"]["id"])
    other, _ = await api.admin_of("globex")
    body = await api.gql(other, JOB, {"id": job["id"]})
    assert body["data"]["importJob"] is None
    assert (await other.get(f"/import/{job['id']}/errors.xlsx")).status_code == 404
    listed = await api.gql(other, "{ importJobs { id } }")
    assert listed["data"]["importJobs"] == []
    resume = """mutation($input: ResumeImportInput!) { resumeImport(input: $input) {
      importJob { id } userErrors { code } } }"""
    refused = await api.gql(other, resume, {"input": {"id": job["id"]}})
    assert [e["code"] for e in refused["data"]["resumeImport"]["userErrors"]] == ["NOT_FOUND"]


async def test_an_import_row_without_a_required_field_is_refused_whole(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    required = await api.gql(
        admin,
        """mutation($input: OrganizationSettingsInput!) {
          updateOrganizationSettings(input: $input) { userErrors { code } } }""",
        {"input": {"requiredFields": ["DEPARTMENT"]}},
    )
    assert required["data"]["updateOrganizationSettings"]["userErrors"] == []
    rows = [person(1, department="Sales"), person(2)]
    payload = await started(await upload(admin, xlsx_bytes(rows)))
    job = await finished(api, admin, payload["importJob"]["id"])
    assert (job["created"], job["failed"]) == (1, 1)
    assert [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]] == [
        (3, "MISSING_DEFAULT_DEPARTMENT")
    ]
    users = await api.gql(admin, "{ users(first: 50) { totalCount } }")
    assert users["data"]["users"]["totalCount"] == 2  # the admin and the one with a department
