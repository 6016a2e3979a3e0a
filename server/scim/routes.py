"""/scim/v2: the SCIM 2.0 service provider's HTTP edge (RFC 7644).

Every request carries the bearer access token of an API client with the `scim` scope;
the organization is the token's, never the request's. The business rules are in
provisioning/scim/users.py and provisioning/scim/groups.py; the discovery endpoints are
server/scim/discovery_routes.py, the parsing of requests server/scim/requests.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from scim2_models import (
    Context,
    ResponseParameters,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from auth.access_tokens import AccessTokens, InvalidAccessToken
from auth.authenticate import bearer_token
from config.settings import Settings
from provisioning.access.rate_limits import RateLimitExceeded, RateLimits
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError
from provisioning.scim.access import MAX_COUNT, scim_caller
from provisioning.scim.filter import InvalidFilter, InvalidSort
from provisioning.scim.groups import (
    GroupView,
    create_scim_group,
    delete_scim_group,
    get_scim_group,
    group_version,
    list_scim_groups,
    parse_group,
    parse_group_patch,
    patch_scim_group,
    replace_scim_group,
    to_group,
)
from provisioning.scim.user_resources import (
    names_for,
    parse_patch,
    parse_user,
    to_resource,
    version_of,
)
from provisioning.scim.users import (
    create_scim_user,
    delete_scim_user,
    get_scim_user,
    list_scim_users,
    patch_scim_user,
    replace_scim_user,
)
from server.request_id import request_id_of
from server.scim.discovery_routes import Discovery
from server.scim.requests import (
    Listing,
    json_body,
    not_modified,
    response_parameters,
    search_request,
)
from server.scim.responses import error_for, list_response, scim_error, scim_response
from store.users import UserRecord

MAX_BODY_BYTES = 1_000_000
Handler = Callable[[Request, Caller], Awaitable[Response]]
_EXPECTED = (DomainError, InvalidFilter, InvalidSort)
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_ENDPOINTS = {"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", ".search"}


class ScimRoutes:
    def __init__(self, settings: Settings, rate_limits: RateLimits) -> None:
        self.base_url = f"{settings.public_url}/scim/v2"
        self.rate_limits = rate_limits

    def routes(self) -> list[BaseRoute]:
        e = self._endpoint
        discovered = Discovery(self.base_url)
        return [
            Mount(
                "/scim/v2",
                routes=[
                    Route("/ServiceProviderConfig", e(discovered.config), methods=["GET"]),
                    Route("/ResourceTypes", e(discovered.resource_types), methods=["GET"]),
                    Route("/ResourceTypes/{id}", e(discovered.resource_type), methods=["GET"]),
                    Route("/Schemas", e(discovered.schemas), methods=["GET"]),
                    Route("/Schemas/{id}", e(discovered.schema), methods=["GET"]),
                    Route("/Users", e(self.list_users), methods=["GET"]),
                    Route("/Users", e(self.create_user), methods=["POST"]),
                    Route("/Users/.search", e(self.search_users), methods=["POST"]),
                    Route("/Users/{id}", e(self.get_user), methods=["GET"]),
                    Route("/Users/{id}", e(self.replace_user), methods=["PUT"]),
                    Route("/Users/{id}", e(self.patch_user), methods=["PATCH"]),
                    Route("/Users/{id}", e(self.delete_user), methods=["DELETE"]),
                    Route("/Groups", e(self.list_groups), methods=["GET"]),
                    Route("/Groups", e(self.create_group), methods=["POST"]),
                    Route("/Groups/.search", e(self.search_groups), methods=["POST"]),
                    Route("/Groups/{id}", e(self.get_group), methods=["GET"]),
                    Route("/Groups/{id}", e(self.replace_group), methods=["PUT"]),
                    Route("/Groups/{id}", e(self.patch_group), methods=["PATCH"]),
                    Route("/Groups/{id}", e(self.delete_group), methods=["DELETE"]),
                    Route("/.search", e(self.search_all), methods=["POST"]),
                    Route("/{rest:path}", e(self.not_found), methods=_ALL_METHODS),
                ],
            )
        ]

    # ---- authentication and errors, around every handler ----

    def _endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            deps: Dependencies = request.state.deps
            tokens: AccessTokens = request.state.tokens
            token = bearer_token(request)
            challenge = 'Bearer realm="scim"'
            if not token:
                return scim_error(
                    401, "A bearer access token is required.", None, {"WWW-Authenticate": challenge}
                )
            try:
                if len(token) > 4096:
                    raise InvalidAccessToken("The bearer token is too long.")
                principal = await tokens.principal(token)
                await self.rate_limits.check(deps, principal)
            except InvalidAccessToken as error:
                header = f'{challenge}, error="invalid_token", error_description="{error}"'
                return scim_error(401, str(error), None, {"WWW-Authenticate": header})
            except RateLimitExceeded as error:
                return scim_error(429, str(error), None, {"Retry-After": str(error.retry_after)})
            caller = Caller(principal, request_id_of(request.scope))
            try:
                scim_caller(caller)
                return await handler(request, caller)
            except _EXPECTED as error:
                return error_for(error)

        return endpoint

    async def not_found(self, request: Request, caller: Caller) -> Response:
        parts = request.path_params["rest"].strip("/").split("/")
        if (len(parts) == 1 and parts[0] in _ENDPOINTS) or (
            len(parts) == 2 and parts[0] in ("Users", "Groups", "ResourceTypes", "Schemas")
        ):
            return scim_error(405, f"{request.method} is not allowed on {request.url.path}.")
        return scim_error(404, f"{request.url.path} is not a SCIM endpoint.")

    async def search_all(self, request: Request, caller: Caller) -> Response:
        """POST /.search (RFC 7644 §3.4.3): Users, then Groups, paged as one list. A filter
        that names what only one resource type has matches nothing of the other."""
        deps: Dependencies = request.state.deps
        search = search_request(await json_body(request))
        if search.sort_by:
            raise InvalidSort("Sorting a search across resource types is not supported.")
        text = str(search.filter) if search.filter else None
        start = max(search.start_index or 1, 1)
        count = min(100 if search.count is None else max(search.count, 0), MAX_COUNT)
        failures: list[Exception] = []
        resources: list[dict[str, Any]] = []
        users_total = 0
        try:
            users = await list_scim_users(
                deps,
                caller,
                filter_text=text,
                sort_by=None,
                sort_order=None,
                start_index=start,
                count=count,
            )
        except InvalidFilter as error:
            failures.append(error)
        else:
            users_total = users.total
            names = await names_for(deps, caller.org_id, users.users)
            resources = [
                to_resource(user, names, self.base_url).model_dump(
                    scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=search
                )
                for user in users.users
            ]
        groups_total = 0
        try:
            groups = await list_scim_groups(
                deps,
                caller,
                filter_text=text,
                sort_order=None,
                start_index=max(start - users_total, 1),
                count=count - len(resources),
                base_url=self.base_url,
            )
        except InvalidFilter as error:
            failures.append(error)
        else:
            groups_total = groups.total
            resources += [
                to_group(view, self.base_url).model_dump(
                    scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=search
                )
                for view in groups.groups
            ]
        if len(failures) == 2:
            raise failures[0]
        return list_response(resources, users_total + groups_total, start)

    # ---- users ----

    async def _user_body(self, request: Request, record: UserRecord, status: int = 200) -> Response:
        deps: Dependencies = request.state.deps
        names = await names_for(deps, record.org_id, [record])
        resource = to_resource(record, names, self.base_url)
        body = resource.model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
            response_parameters=response_parameters(request.query_params),
        )
        headers = {"ETag": version_of(record)}
        if status == 201:
            headers["Location"] = f"{self.base_url}/Users/{record.id}"
        return scim_response(body, status, headers)

    async def list_users(self, request: Request, caller: Caller) -> Response:
        return await self._users_page(request, caller, Listing.of_query(request.query_params))

    async def search_users(self, request: Request, caller: Caller) -> Response:
        return await self._users_page(request, caller, Listing.of_search(await json_body(request)))

    async def _users_page(self, request: Request, caller: Caller, listing: Listing) -> Response:
        deps: Dependencies = request.state.deps
        page = await list_scim_users(
            deps,
            caller,
            filter_text=listing.filter_text,
            sort_by=listing.sort_by,
            sort_order=listing.sort_order,
            start_index=listing.start_index,
            count=listing.count,
        )
        names = await names_for(deps, caller.org_id, page.users)
        resources = [
            to_resource(user, names, self.base_url).model_dump(
                scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=listing.parameters
            )
            for user in page.users
        ]
        return list_response(resources, page.total, page.start_index)

    async def create_user(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        resource = parse_user(await json_body(request), Context.RESOURCE_CREATION_REQUEST)
        record = await create_scim_user(deps, caller, resource)
        return await self._user_body(request, record, 201)

    async def get_user(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        record = await get_scim_user(deps, caller, request.path_params["id"])
        if not_modified(request, version_of(record)):
            return Response(status_code=304, headers={"ETag": version_of(record)})
        return await self._user_body(request, record)

    async def replace_user(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        resource = parse_user(await json_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
        record = await replace_scim_user(
            deps, caller, request.path_params["id"], resource, request.headers.get("if-match")
        )
        return await self._user_body(request, record)

    async def patch_user(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        patch = parse_patch(await json_body(request))
        record = await patch_scim_user(
            deps,
            caller,
            request.path_params["id"],
            patch,
            request.headers.get("if-match"),
            self.base_url,
        )
        return await self._user_body(request, record)

    async def delete_user(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        await delete_scim_user(
            deps, caller, request.path_params["id"], request.headers.get("if-match")
        )
        return Response(status_code=204)

    # ---- groups ----

    def _group_body(
        self,
        view: GroupView,
        parameters: ResponseParameters[Any] | None,
        status: int = 200,
    ) -> Response:
        body = to_group(view, self.base_url).model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
        )
        headers = {"ETag": group_version(view)}
        if status == 201:
            headers["Location"] = f"{self.base_url}/Groups/{view.department.id}"
        return scim_response(body, status, headers)

    async def list_groups(self, request: Request, caller: Caller) -> Response:
        return await self._groups_page(request, caller, Listing.of_query(request.query_params))

    async def search_groups(self, request: Request, caller: Caller) -> Response:
        return await self._groups_page(request, caller, Listing.of_search(await json_body(request)))

    async def _groups_page(self, request: Request, caller: Caller, listing: Listing) -> Response:
        deps: Dependencies = request.state.deps
        sort_by = listing.sort_by
        if sort_by is not None and sort_by.lower() not in ("displayname", "id"):
            raise InvalidSort(f"Groups sort by displayName only, not {sort_by}.")
        page = await list_scim_groups(
            deps,
            caller,
            filter_text=listing.filter_text,
            sort_order=(listing.sort_order or "ascending") if sort_by else None,
            start_index=listing.start_index,
            count=listing.count,
            base_url=self.base_url,
        )
        resources = [
            to_group(view, self.base_url).model_dump(
                scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=listing.parameters
            )
            for view in page.groups
        ]
        return list_response(resources, page.total, page.start_index)

    async def create_group(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        group = parse_group(await json_body(request), Context.RESOURCE_CREATION_REQUEST)
        view = await create_scim_group(deps, caller, group)
        return self._group_body(view, response_parameters(request.query_params), 201)

    async def get_group(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        view = await get_scim_group(deps, caller, request.path_params["id"])
        if not_modified(request, group_version(view)):
            return Response(status_code=304, headers={"ETag": group_version(view)})
        return self._group_body(view, response_parameters(request.query_params))

    async def replace_group(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        group = parse_group(await json_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
        view = await replace_scim_group(
            deps, caller, request.path_params["id"], group, request.headers.get("if-match")
        )
        return self._group_body(view, response_parameters(request.query_params))

    async def patch_group(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        patch = parse_group_patch(await json_body(request))
        view = await patch_scim_group(
            deps,
            caller,
            request.path_params["id"],
            patch,
            request.headers.get("if-match"),
            self.base_url,
        )
        return self._group_body(view, response_parameters(request.query_params))

    async def delete_group(self, request: Request, caller: Caller) -> Response:
        deps: Dependencies = request.state.deps
        await delete_scim_group(
            deps, caller, request.path_params["id"], request.headers.get("if-match")
        )
        return Response(status_code=204)
