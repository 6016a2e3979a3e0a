"""Seals secrets at rest (identity providers' client secrets) with AES-256-GCM.

The key is derived from ROSTER_SECRET_KEY, so a database dump alone does not reveal them.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_CONTEXT = b"roster secret box v1"


class SecretUnreadable(Exception):
    """The sealed value was tampered with, or sealed under another ROSTER_SECRET_KEY."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _CONTEXT)
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str) -> str:
        version, _, body = sealed.partition(".")
        if version != _VERSION:
            raise SecretUnreadable(f"unknown sealing version {version!r}")
        raw = base64.urlsafe_b64decode(body.encode())
        try:
            return self._aead.decrypt(raw[:12], raw[12:], _CONTEXT).decode()
        except InvalidTag as error:
            raise SecretUnreadable("sealed under another key, or altered") from error
