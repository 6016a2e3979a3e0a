"""The GraphQL schema: types, inputs, enums, payloads, and the Schema with its extensions."""
