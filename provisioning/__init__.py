"""The business rules, free of GraphQL and HTTP."""
