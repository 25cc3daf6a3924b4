"""Spam defence without third-party services.

Two kinds of outcome: a *refusal* (the form is shown again with a clear message and what the
reader typed: posting too fast, a form left open too long, too many links, rate limits) and
a *spam verdict* (the comment is stored in the spam state for a moderator to rescue: honeypot
filled, blocked word, email or IP, the same text posted under another name).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner, b62_decode
from django.core.validators import validate_email
from django.utils import timezone

from comments.text import find_links
from magazine import ratelimit

FORM_SALT = "comments.form-timestamp"


class Refused(Exception):
    """The comment is not accepted; ``message`` says why and what to do."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Verdict:
    reasons: list[str] = field(default_factory=list)

    @property
    def is_spam(self) -> bool:
        return bool(self.reasons)


# --- Signed form timestamp.

def form_timestamp(*, article_id: int) -> str:
    return TimestampSigner(salt=FORM_SALT).sign(str(article_id))


def check_form_timestamp(value: str, *, article_id: int) -> None:
    signer = TimestampSigner(salt=FORM_SALT)
    try:
        signed_for = signer.unsign(value or "", max_age=settings.COMMENTS_FORM_MAX_AGE)
    except SignatureExpired:
        raise Refused(
            "This page was open for a long time, so the form expired. Your text is kept below: "
            "please send it again."
        ) from None
    except BadSignature:
        raise Refused("The form was incomplete or altered. Your text is kept below: please send it again.") from None
    if signed_for != str(article_id):
        raise Refused("The form belongs to another article. Your text is kept below: please send it again.")
    age = time.time() - b62_decode(value.split(":")[-2])
    if age < settings.COMMENTS_MIN_SUBMIT_SECONDS:
        raise Refused(
            "That was quicker than anyone can read and write. Please wait a few seconds and send "
            "your comment again; your text is kept below."
        )


# --- Rate limits (fixed windows in the shared cache).

def _hit(key: str, limit: int, window: int) -> bool:
    """Count one hit; True while the count stays within ``limit`` for the window."""
    return ratelimit.hit(key, limit, window)


def check_post_rate(*, ip: str | None, email: str) -> None:
    limit, window = settings.COMMENTS_RATE_LIMIT_IP
    if ip and not _hit(f"comments:rate:ip:{ip}", limit, window):
        raise Refused(
            f"Too many comments from your connection in the last {window // 60} minutes. Please "
            "wait a few minutes and send again; your text is kept below."
        )
    limit, window = settings.COMMENTS_RATE_LIMIT_EMAIL
    if email and not _hit(f"comments:rate:email:{email.lower()}", limit, window):
        raise Refused(
            f"Too many comments from this email address in the last {window // 60} minutes. "
            "Please wait a few minutes and send again; your text is kept below."
        )


def check_flag_rate(*, ip: str | None) -> bool:
    limit, window = settings.COMMENTS_FLAG_RATE_LIMIT
    return _hit(f"comments:rate:flag:{ip or 'unknown'}", limit, window)


# --- Content checks.

def check_links(body: str) -> None:
    count = len(find_links(body))
    if count > settings.COMMENTS_MAX_LINKS:
        raise Refused(
            f"Your comment has {count} links; at most {settings.COMMENTS_MAX_LINKS} are allowed. "
            "Please remove some and send again.",
            field="body",
        )


def validate_blocked_value(kind: str, value: str) -> None:
    from comments.models import BlockedTerm

    if not value:
        raise ValidationError({"value": "Enter a value to block."})
    if kind == BlockedTerm.Kind.IP:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValidationError({"value": "Enter an IP address such as 203.0.113.7 or a network such as 203.0.113.0/24."}) from None
    elif kind == BlockedTerm.Kind.EMAIL:
        candidate = f"x{value}" if value.startswith("@") else value
        try:
            validate_email(candidate)
        except ValidationError:
            raise ValidationError({"value": "Enter an address such as spam@example.com or a domain as @example.com."}) from None


def _blocked_terms() -> dict[str, list[str]]:
    from comments.models import BlockedTerm
    from magazine.cache import cache_version

    key = f"comments:blocked:{cache_version('comments_blocked')}"
    terms = cache.get(key)
    if terms is None:
        terms = {kind: [] for kind in BlockedTerm.Kind.values}
        for kind, value in BlockedTerm.objects.values_list("kind", "value"):
            terms[kind].append(value.lower())
        cache.set(key, terms, 3600)
    return terms


def _ip_blocked(ip: str | None, networks: list[str]) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def judge(*, article_id: int, name: str, email: str, body: str, body_hash: str, ip: str | None, honeypot: str) -> Verdict:
    """Reasons to store the comment as spam (an empty verdict: not spam)."""
    from comments.models import Comment

    verdict = Verdict()
    if honeypot:
        verdict.reasons.append("honeypot filled")
    terms = _blocked_terms()
    text = f"{name}\n{body}".lower()
    words = [w for w in terms["word"] if w and w in text]
    if words:
        verdict.reasons.append("blocked word: " + ", ".join(sorted(words))[:120])
    address = email.lower()
    domain = "@" + address.rpartition("@")[2]
    if address in terms["email"] or domain in terms["email"]:
        verdict.reasons.append("blocked email")
    if _ip_blocked(ip, terms["ip"]):
        verdict.reasons.append("blocked IP")
    if body_hash:
        since = timezone.now() - timedelta(days=7)
        copied = (
            Comment.objects.filter(body_hash=body_hash, created_at__gte=since)
            .exclude(email__iexact=email)
            .exists()
        )
        if copied:
            verdict.reasons.append("same text posted under another address")
    return verdict
