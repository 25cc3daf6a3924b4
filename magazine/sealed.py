"""Opaque tokens for links in mail: a small payload sealed with AES-256-GCM.

A reader who has the link sees random-looking bytes: the ids and address fingerprints inside
cannot be read, and a changed token is refused because its authentication tag no longer
matches. The purpose (confirm, unsubscribe …) is authenticated alongside, so a token made
for one purpose is refused for another. The key is derived from SECRET_KEY; tokens made with
a key in SECRET_KEY_FALLBACKS are still read, as Django's signed values are.

Layout, then URL-safe base64 without padding: version (1 byte) | nonce (12) | ciphertext of
(issue time as 4-byte seconds + compact JSON) | tag (16). About 100 characters for a
newsletter link.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import struct
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

VERSION = b"\x01"
_NONCE = 12
_TAG = 16
_TIME = struct.Struct(">I")


class Expired(Exception):
    pass


class Invalid(Exception):
    pass


@functools.lru_cache(maxsize=8)
def _cipher(secret: str) -> AESGCM:
    key = salted_hmac("magazine.sealed.key", "aes-256-gcm v1", secret=secret, algorithm="sha256").digest()
    return AESGCM(key)


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _aad(purpose: str) -> bytes:
    return VERSION + purpose.encode()


def seal(data: dict, *, purpose: str) -> str:
    nonce = os.urandom(_NONCE)
    plain = _TIME.pack(int(time.time())) + json.dumps(data, separators=(",", ":")).encode()
    sealed = _cipher(settings.SECRET_KEY).encrypt(nonce, plain, _aad(purpose))
    return base64.urlsafe_b64encode(VERSION + nonce + sealed).rstrip(b"=").decode()


def _decode(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise Invalid from None
    # Base64 ignores the spare bits of the last character: insist on the one spelling we make,
    # so that no changed character is accepted.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
        raise Invalid
    return raw


def unseal(token: str, *, purpose: str, max_age: int | None) -> dict:
    """The payload of a token made by ``seal`` for ``purpose``; Expired after ``max_age`` seconds."""
    if not token or len(token) > 1000:
        raise Invalid
    raw = _decode(token)
    if len(raw) < 1 + _NONCE + _TIME.size + _TAG or raw[:1] != VERSION:
        raise Invalid
    nonce, sealed = raw[1 : 1 + _NONCE], raw[1 + _NONCE :]
    for secret in _secrets():
        try:
            plain = _cipher(secret).decrypt(nonce, sealed, _aad(purpose))
            break
        except InvalidTag:
            continue
    else:
        raise Invalid
    (issued,) = _TIME.unpack(plain[: _TIME.size])
    if max_age is not None and int(time.time()) - issued > max_age:
        raise Expired
    try:
        data = json.loads(plain[_TIME.size :])
    except ValueError:
        raise Invalid from None
    if not isinstance(data, dict):
        raise Invalid
    return data


def looks_sealed(token: str) -> bool:
    """Sealed tokens use the URL-safe base64 alphabet only; Django's signed values hold a ":"."""
    return ":" not in token
