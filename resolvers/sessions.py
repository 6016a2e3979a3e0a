"""The one answer of every mutation that signs someone in."""

from __future__ import annotations

from datetime import timedelta

from provisioning.sessions import SignedIn
from schema.context import Context
from schema.payloads import SessionPayload
from schema.types import User


def signed_in_payload(context: Context, signed_in: SignedIn) -> SessionPayload:
    """Sets the session cookie and makes the rest of the request the signed-in caller's."""
    context.session_cookie.set(signed_in.token, signed_in.expires_in_seconds)
    context.act_as(signed_in.principal)
    expires_at = context.deps.clock() + timedelta(seconds=signed_in.expires_in_seconds)
    return SessionPayload(user=User.of(signed_in.user), expires_at=expires_at)
