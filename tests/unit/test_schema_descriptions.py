"""The contract documents itself: every type, field, argument, input field and enum value
of Roster's own schema carries a description (issue 17), for the console's authors,
GraphiQL's docs pane and partner tools.

This is the CI check (a Python walk of the live schema rather than graphql-schema-linter,
which would add a Node step to CI): strict, so nothing new lands undocumented."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.type import introspection_types, specified_scalar_types

from config.settings import Settings
from resolvers.root import roster_schema


def _blank(description: str | None) -> bool:
    return not (description and description.strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Schema coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE) with no description."""
    missing: list[str] = []
    for name, named in sorted(schema.type_map.items()):
        if name in introspection_types or name in specified_scalar_types:
            continue
        if _blank(named.description):
            missing.append(name)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in named.fields.items():
                if _blank(field.description):
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if _blank(arg.description):
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                if _blank(input_field.description):
                    missing.append(f"{name}.{field_name}")
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                if _blank(value.description):
                    missing.append(f"{name}.{value_name}")
        elif isinstance(named, GraphQLUnionType):
            pass  # a union has no members of its own to describe
    return missing


def test_every_schema_element_has_a_description() -> None:
    missing = undescribed(roster_schema(Settings())._schema)
    assert missing == [], (
        "describe these in the Strawberry code (description=...), then run"
        " `python -m resolvers.export`:\n" + "\n".join(missing)
    )


def test_the_check_finds_a_missing_description() -> None:
    from graphql import build_schema

    sdl = '"""A root."""\ntype Query {\n  """Documented."""\n  a(x: Int): Int\n  b: Int\n}\n'
    assert undescribed(build_schema(sdl)) == ["Query.a(x:)", "Query.b"]
