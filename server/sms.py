"""The HTTP adapter of the SmsSender port, configured by ROSTER_SMS_URL and ROSTER_SMS_TOKEN.

Each text is one POST of JSON ``{"to": "+4915...", "text": "...", "reference": "<id>"}`` to
the URL, with ``Authorization: Bearer <token>`` and ``Idempotency-Key: <reference>`` (the
outbox message id, the same on every retry of one message, so a gateway can drop a resend).
Any 2xx is accepted; anything else fails the attempt with the gateway's status (never its
words), and the outbox retries it with backoff. The URL is held to the outbound policy.
"""

from __future__ import annotations

from config.settings import Settings
from provisioning.invitations.messages import LoggingSmsSender, SmsSender
from provisioning.outbound import OutboundPolicy
from server.outbound_http import outbound_client


class SmsGatewayError(Exception):
    pass


class HttpSmsSender:
    delivered_status = "sent"

    def __init__(
        self, url: str, token: str, outbound: OutboundPolicy, timeout: float = 15.0
    ) -> None:
        self.url = url
        self.token = token
        self.outbound = outbound
        self.timeout = timeout

    async def send(self, to: str, text: str, reference: str) -> None:
        # A client per text: texts are few, and this keeps no connection tied to an event loop.
        async with outbound_client(self.outbound, self.timeout) as client:
            response = await client.post(
                self.url,
                json={"to": to, "text": text, "reference": reference},
                headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": reference},
            )
        if not 200 <= response.status_code < 300:
            # Its status only: what a gateway writes is never shown on.
            raise SmsGatewayError(f"gateway answered {response.status_code}")


def sms_sender_from(settings: Settings, outbound: OutboundPolicy) -> SmsSender:
    if settings.sms_url is None or settings.sms_token is None:
        return LoggingSmsSender()
    return HttpSmsSender(settings.sms_url, settings.sms_token, outbound)
