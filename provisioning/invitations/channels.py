"""An outbox message's channel and delivery status (the values store/outbox.py writes)."""

from __future__ import annotations

from enum import StrEnum


# Lower-case: the values messages have always been stored and answered with.
class MessageChannel(StrEnum):
    email = "email"
    sms = "sms"


class MessageStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    logged = "logged"
