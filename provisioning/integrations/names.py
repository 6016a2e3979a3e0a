"""Names: guessing a first and last name from an email, and the keys names are matched by.

Pure functions. A guess is made only when the address says it plainly; otherwise none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provisioning.search import fold

# Shared mailboxes: their local part names a function, not a person.
ROLE_ADDRESSES = frozenset(
    {
        "accounts", "admin", "administrator", "billing", "careers", "contact", "enquiries",
        "help", "hello", "helpdesk", "hr", "info", "inquiries", "it", "jobs", "mail",
        "marketing", "no-reply", "noreply", "office", "postmaster", "press", "reception",
        "sales", "security", "service", "support", "team", "webmaster",
    }
)  # fmt: skip

_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019-][^\W\d_]+)*$")


@dataclass(frozen=True)
class NameGuess:
    first_name: str | None = None
    last_name: str | None = None


NO_GUESS = NameGuess()


def local_part(email: str) -> str:
    """The part before the @, without a +tag (jane+crm@x gives jane), lower-cased."""
    local = email.strip().rpartition("@")[0] if "@" in email else ""
    return local.split("+", 1)[0].lower()


def is_role_address(email: str) -> bool:
    return re.sub(r"\d", "", local_part(email)) in ROLE_ADDRESSES


def _capitalise(word: str) -> str:
    """mary-jane gives Mary-Jane, o'neil gives O'Neil."""
    return re.sub(r"(^|['\u2019-])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), word)


def _name(token: str) -> str | None:
    """A name from one token; None for an initial alone, which is no name."""
    if len(token) < 2:
        return None
    return _capitalise(token)


def guess_name(email: str) -> NameGuess:
    """first.last, first_last and first-last give First / Last in the address's order.

    Digits are dropped; a dot or underscore separates names, so a hyphen between them
    stays within a name (mary-jane.o'neil gives Mary-Jane / O'Neil). A single token
    (jsmith), a role address (info@) or anything else unclear gives no guess.
    """
    local = local_part(email)
    if not local or is_role_address(email):
        return NO_GUESS
    local = re.sub(r"\d", "", local)
    separators = r"[._]" if re.search(r"[._]", local) else r"-"
    tokens = [t for t in re.split(separators, local) if t]
    if not all(_WORD.match(t) for t in tokens):
        return NO_GUESS
    if len(tokens) > 2 and all(len(t) == 1 for t in tokens[1:-1]):
        tokens = [tokens[0], tokens[-1]]  # john.q.public: a middle initial
    if len(tokens) != 2:
        return NO_GUESS
    first, last = _name(tokens[0]), _name(tokens[1])
    if first is None and last is None:
        return NO_GUESS
    return NameGuess(first_name=first, last_name=last)


def name_fold(text: str | None) -> str:
    """Case, accents and punctuation folded away: "O'Néil-Smith" gives "oneilsmith"."""
    if not text:
        return ""
    return "".join(c for c in fold(text) if c.isalnum())


def split_display_name(display_name: str | None) -> tuple[str | None, str | None]:
    """ "Jane Q. Doe" gives (Jane, Doe); a single word gives no split; "Doe, Jane" is read."""
    if not display_name:
        return None, None
    if "," in display_name:
        last, _, first = display_name.partition(",")
        words = [first.strip(), last.strip()]
    else:
        words = display_name.split()
        if len(words) >= 2:
            words = [words[0], words[-1]]
    if len(words) != 2 or not all(words):
        return None, None
    return words[0], words[1]


def match_keys(email: str | None, first_name: str | None, last_name: str | None) -> tuple[str, ...]:
    """The keys an account is found by, and a person looked up with, in one indexed array.

    The exact email; its local part (not for a role address); the folded whole name; the
    first name with the last initial (a typo in the last name) and the last name with the
    first initial (an initial, a typo or a short form of the first name). Each narrows a
    lookup to few accounts, however large the integration.
    """
    keys: list[str] = []
    if email:
        keys.append(f"email:{email}")
        local = local_part(email)
        if local and not is_role_address(email):
            keys.append(f"local:{local}")
    first, last = name_fold(first_name), name_fold(last_name)
    if first and last:
        keys += [f"name:{first} {last}", f"first:{first} {last[0]}", f"last:{last} {first[0]}"]
    return tuple(keys)


def account_names(
    first_name: str | None, last_name: str | None, display_name: str | None, email: str | None
) -> tuple[str | None, str | None]:
    """The name an account is matched by: its own, else its display name's, else its email's."""
    if first_name or last_name:
        return first_name, last_name
    first, last = split_display_name(display_name)
    if first and last:
        return first, last
    if email:
        guess = guess_name(email)
        return guess.first_name, guess.last_name
    return None, None
