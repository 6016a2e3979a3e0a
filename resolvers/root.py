"""The root Query and Mutation, merged from each capability's root fields, and the Schema
built from them: the one place that sees every resolver and every type."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from config.settings import Settings
from resolvers.api_clients import ApiClientMutation, ApiClientQuery
from resolvers.catalog import CatalogMutation
from resolvers.communication import CommunicationMutation
from resolvers.identities import IdentityMutation
from resolvers.imports import ImportMutation, ImportQuery
from resolvers.integrations import IntegrationMutation, IntegrationQuery
from resolvers.invitations import InvitationMutation, InvitationQuery
from resolvers.licences import LicenceMutation
from resolvers.mutation import FoundationMutation
from resolvers.profile import ProfileMutation, ProfileQuery
from resolvers.query import FoundationQuery
from resolvers.roles import RoleMutation
from resolvers.scim import ScimMutation
from resolvers.signup import SignupMutation, SignupQuery
from resolvers.sso import SsoMutation, SsoQuery
from resolvers.sync import SyncMutation, SyncQuery
from schema.build import build_schema

# Each capability brings its own root fields; the schema's roots merge them.
Query = merge_types(
    "Query",
    (
        FoundationQuery,
        SsoQuery,
        IntegrationQuery,
        ApiClientQuery,
        InvitationQuery,
        SignupQuery,
        ImportQuery,
        SyncQuery,
        ProfileQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        FoundationMutation,
        SsoMutation,
        IntegrationMutation,
        ApiClientMutation,
        InvitationMutation,
        LicenceMutation,
        SyncMutation,
        CommunicationMutation,
        SignupMutation,
        ImportMutation,
        ScimMutation,
        CatalogMutation,
        RoleMutation,
        IdentityMutation,
        ProfileMutation,
    ),
)


get_object_definition(Query, strict=True).description = (
    "What a caller may read: public sign-in and sign-up options, and for a signed-in user"
    " or an API client their organization, its users and every capability's objects."
)
get_object_definition(Mutation, strict=True).description = (
    "Every change. Each answers a payload whose userErrors say, by code and input field, why"
    " it was refused; public ones (sign-in, sign-up, links) need no session."
)


def roster_schema(settings: Settings) -> strawberry.Schema:
    return build_schema(settings, Query, Mutation)


def schema_sdl() -> str:
    """The printed SDL that schema/schema.graphql commits (the default settings' schema)."""
    return roster_schema(Settings()).as_str() + "\n"
