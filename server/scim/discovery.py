"""The discovery documents of RFC 7644 §4: ServiceProviderConfig, ResourceTypes, Schemas.

The published schemas describe what Roster stores, not the whole of RFC 7643: a client
(or scim2-tester, which builds its models from them) sees the attributes that round-trip.
Other core attributes are still accepted on writes and not stored.

canonicalValues are published only for real enumerations: the one email type and phone
type Roster keeps, and a group member's type. Identity providers that read the schema
(Okta's attribute editor, say) offer canonical values as a fixed pick list, so free values
(phone numbers, languages, department and company names, which are created when new) have
none; their format is in their description instead.
"""

from __future__ import annotations

from typing import Any

from scim2_models import (
    URN,
    Attribute,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Pagination,
    Patch,
    Reference,
    ResourceType,
    Schema,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models.annotations import Mutability, Required

from provisioning.scim.access import MAX_COUNT

PHONE = (
    "The phone number in international (E.164) form, such as +14155550123; a 'tel:' prefix"
    " is accepted. Roster keeps one: the mobile entry, else work, else the primary, else"
    " the first."
)
LANGUAGE = (
    "A BCP 47 language tag, such as fr or en-GB. Absent: the organization's default"
    " language, which is therefore not returned."
)
DEPARTMENT = "The department's name; a department of a new name is created."
COMPANY = (
    "The company's name; a new name is created as a partner company, unless the"
    " organization's SCIM settings refuse it. Absent: the organization's own company."
)


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        pagination=Pagination(cursor=False, index=True, default_page_size=100),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="OAuth Bearer Token",
                description="A client-credentials access token (POST /oauth/token) of an"
                " API client with the scim scope.",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig",
            location=f"{base_url}/ServiceProviderConfig",
        ),
    )


def resource_types(base_url: str) -> list[ResourceType]:
    return [
        ResourceType(
            id="User",
            name="User",
            description="A person of the organization",
            endpoint=Reference("/Users"),
            schema=Reference(str(User.__schema__)),
            schema_extensions=[
                SchemaExtension(schema=Reference(str(EnterpriseUser.__schema__)), required=False)
            ],
            meta=Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/User"),
        ),
        ResourceType(
            id="Group",
            name="Group",
            description="A department of the organization; its members are its users",
            endpoint=Reference("/Groups"),
            schema=Reference(str(Group.__schema__)),
            meta=Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/Group"),
        ),
    ]


def _keep(attributes: list[Attribute] | None, wanted: dict[str, dict[str, Any]]) -> list[Attribute]:
    """The attributes named in `wanted`, in its order, each updated with its changes; a
    `sub_attributes` change is itself a `wanted` mapping."""
    by_name = {a.name: a for a in attributes or [] if a.name}
    kept = []
    for name, changes in wanted.items():
        attribute = by_name[name]
        changes = dict(changes)
        if "sub_attributes" in changes:
            changes["sub_attributes"] = _keep(attribute.sub_attributes, changes["sub_attributes"])
        kept.append(attribute.model_copy(update=changes))
    return kept


def _schema(model: Any, wanted: dict[str, dict[str, Any]], base_url: str) -> Schema:
    schema: Schema = model.to_schema()
    return schema.model_copy(
        update={
            "attributes": _keep(schema.attributes, wanted),
            "meta": Meta(resource_type="Schema", location=f"{base_url}/Schemas/{schema.id}"),
        }
    )


def schemas(base_url: str) -> list[Schema]:
    required = {"required": Required.true}
    user = _schema(
        User,
        {
            "userName": {},
            "name": {**required, "sub_attributes": {"givenName": required, "familyName": required}},
            "emails": {
                **required,
                "sub_attributes": {"value": required, "type": {"canonical_values": ["work"]}},
            },
            "phoneNumbers": {
                "sub_attributes": {
                    "value": {"description": PHONE, "canonical_values": None},
                    "type": {"canonical_values": ["mobile"]},
                }
            },
            "preferredLanguage": {"description": LANGUAGE, "canonical_values": None},
            # Every Roster user is active or not; a missing active on a POST means true.
            "active": required,
            # Read-only: only an organization admin gives roles (over GraphQL).
            "roles": {
                "mutability": Mutability.read_only,
                "sub_attributes": {"value": {"mutability": Mutability.read_only}},
            },
        },
        base_url,
    )
    enterprise = _schema(
        EnterpriseUser,
        {
            "department": {"description": DEPARTMENT, "canonical_values": None},
            "organization": {"description": COMPANY, "canonical_values": None},
        },
        base_url,
    )
    group = _schema(
        Group,
        {
            "displayName": required,
            "members": {
                "sub_attributes": {
                    "value": {},
                    "$ref": {},
                    "type": {"canonical_values": ["User"]},
                }
            },
        },
        base_url,
    )
    return [user, enterprise, group]


def schema_urn(schema: Schema) -> str:
    return str(URN(str(schema.id)))
