"""Search keys: case-, accent- and punctuation-folded prefixes stored on each user."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


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
