"""The SMTP adapter of the Mailer port, configured by ROSTER_SMTP_URL.

smtp://[user:pass@]host[:port]   plain SMTP (port 25 by default), no STARTTLS
smtps://[user:pass@]host[:port]  implicit TLS (port 465 by default)
An optional ?from=address sets the sender (default: roster@ the public URL's host).
"""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from config.settings import Settings
from provisioning.invitations.messages import LoggingMailer, Mailer


class SmtpMailer:
    delivered_status = "sent"

    def __init__(self, url: str, default_sender: str, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "ROSTER_SMTP_URL must look like smtp://user:pass@host:port or smtps://"
            )
        self.use_tls = parts.scheme == "smtps"
        self.hostname = parts.hostname
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = parse_qs(parts.query).get("from", [default_sender])[0]
        self.timeout = timeout

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=False,
            timeout=self.timeout,
        )


def mailer_from(settings: Settings) -> Mailer:
    if settings.smtp_url is None:
        return LoggingMailer()
    host = urlsplit(settings.public_url).hostname or "localhost"
    return SmtpMailer(settings.smtp_url, default_sender=f"roster@{host}")
