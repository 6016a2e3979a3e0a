"""Search keys: case-, accent- and punctuation-folded prefixes stored on each user."""

from __future__ import annotations

import unicodedata

from provisioning.errors import Problem, ValidationFailed

# A search is a prefix of a name, an email or an id: longer than any of those is a mistake
# (or an attempt to make the fold and the index range scan expensive).
MAX_SEARCH_LENGTH = 200


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def search_prefix(search: str | None) -> str | None:
    """The folded prefix a list is searched by, or None; over-long text is refused."""
    if not search:
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise ValidationFailed(
            Problem(
                "INVALID", f"search must be at most {MAX_SEARCH_LENGTH} characters.", ("search",)
            )
        )
    return fold(search) or None


def user_search_terms(
    first_name: str, last_name: str, email: str | None, username: str | None
) -> list[str]:
    first, last = fold(first_name), fold(last_name)
    terms = {first, last, f"{first} {last}", f"{last} {first}", *first.split(), *last.split()}
    if email:
        terms.add(email.lower())
    if username:
        terms.add(username.lower())
    return sorted(t for t in terms if t.strip())
