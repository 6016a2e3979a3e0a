"""GraphQL documents parsed and validated once per text, with the limits that depend on the
document alone: its tokens (checked while it is parsed), its depth and aliases, and in
production introspection (validation rules).

Strawberry's ParserCache and ValidationCache do the same in two steps, and the second keys
its cache on the parsed document, whose hash walks the whole tree on every request; here
the text is the key of both, so a repeated document costs one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.schema.schema import validate_document


@dataclass
class Prepared:
    """One document text: parsed, and validated when first asked."""

    document: DocumentNode
    errors: list[GraphQLError] | None = None


class Documents:
    def __init__(
        self, max_tokens: int, rules: Sequence[type[ASTValidationRule]], maxsize: int
    ) -> None:
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        # A text that does not parse raises and is not cached; one over the token limit
        # fails while it is parsed, so it never reaches the cache either.
        self.prepare = lru_cache(maxsize=maxsize)(self._parse)

    def _parse(self, query: str) -> Prepared:
        return Prepared(parse(query, max_tokens=self.max_tokens))

    def validate(self, schema: GraphQLSchema, prepared: Prepared) -> list[GraphQLError]:
        """The validation errors of a document (every rule, the limits' among them)."""
        if prepared.errors is None:
            prepared.errors = validate_document(schema, prepared.document, self.rules)
        return prepared.errors

    def cache_info(self) -> tuple[int, int]:
        """(hits, misses) of the cache, for tests and diagnosis."""
        info = self.prepare.cache_info()
        return info.hits, info.misses
