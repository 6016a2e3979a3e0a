"""GET /import/template.xlsx and GET /import/{id}/errors.xlsx: workbooks for admins.

Authenticated like /graphql (a session cookie, or a bearer token with imports:write).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from auth.access_tokens import AccessTokens, InvalidAccessToken
from auth.authenticate import authenticate
from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError, NotFound
from provisioning.imports.template import errors_of, template_lists, write_errors, write_template
from server.request_id import request_id_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRoutes:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def routes(self) -> list[Route]:
        return [
            Route("/import/template.xlsx", self.template, methods=["GET"]),
            Route("/import/{job_id}/errors.xlsx", self.errors, methods=["GET"]),
        ]

    async def _caller(self, request: Request) -> Caller | Response:
        deps: Dependencies = request.state.deps
        tokens: AccessTokens = request.state.tokens
        try:
            principal = await authenticate(request, deps, self.settings, tokens)
        except InvalidAccessToken as error:
            return PlainTextResponse(str(error), status_code=401)
        if principal is None:
            return PlainTextResponse("Sign in first.", status_code=401)
        return Caller(principal, request_id_of(request.scope))

    async def template(self, request: Request) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            lists = await template_lists(request.state.deps, caller)
        except DomainError as error:
            return _refusal(error)
        return await _workbook("roster-import-template.xlsx", write_template, lists)

    async def errors(self, request: Request) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            job, rows = await errors_of(request.state.deps, caller, request.path_params["job_id"])
        except DomainError as error:
            return _refusal(error)
        return await _workbook(f"import-{job.id}-errors.xlsx", write_errors, job.columns, rows)


def _refusal(error: DomainError) -> Response:
    status = 404 if isinstance(error, NotFound) else 403
    return PlainTextResponse(error.problems[0].message, status_code=status)


async def _workbook(name: str, write: Callable[..., None], *args: Any) -> Response:
    """Writes the workbook to a temporary file off the event loop and sends it."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    try:
        with os.fdopen(handle, "wb") as target:
            await asyncio.to_thread(write, *args, target)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type=XLSX,
        filename=name,
        headers={"cache-control": "no-store"},
        background=BackgroundTask(os.unlink, path),
    )
