"""The SCIM discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and
Schemas. They are the same for every organization (none lists an organization's own
departments or companies), though a valid token is still required to read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim2_models import Context
from starlette.requests import Request
from starlette.responses import Response

from provisioning.caller import Caller
from server.scim import discovery
from server.scim.responses import list_response, scim_error, scim_response


@dataclass(frozen=True)
class Discovery:
    base_url: str

    async def config(self, request: Request, caller: Caller) -> Response:
        spc = discovery.service_provider_config(self.base_url)
        return scim_response(spc.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))

    async def resource_types(self, request: Request, caller: Caller) -> Response:
        types = discovery.resource_types(self.base_url)
        return list_response(
            [t.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for t in types]
        )

    async def resource_type(self, request: Request, caller: Caller) -> Response:
        for resource_type in discovery.resource_types(self.base_url):
            if resource_type.id == request.path_params["id"]:
                return scim_response(
                    resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
                )
        return scim_error(404, "No such resource type.")

    async def _schemas(self, request: Request, caller: Caller) -> list[dict[str, Any]]:
        schemas = discovery.schemas(self.base_url)
        return [s.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for s in schemas]

    async def schemas(self, request: Request, caller: Caller) -> Response:
        return list_response(await self._schemas(request, caller))

    async def schema(self, request: Request, caller: Caller) -> Response:
        for schema in await self._schemas(request, caller):
            if schema["id"] == request.path_params["id"]:
                return scim_response(schema)
        return scim_error(404, "No such schema.")
