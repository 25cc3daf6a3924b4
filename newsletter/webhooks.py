"""Mail from the email provider, through anymail's signals: bounces and complaints (tracking),
and unsubscribe requests sent to the List-Unsubscribe mailto: address (inbound)."""

from __future__ import annotations

import logging
import re
from email.utils import parseaddr

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, EventType
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from magazine.mail import newsletter_unsubscribe_email
from newsletter.emails import UNSUBSCRIBE_SUBJECT

logger = logging.getLogger(__name__)

# "unsubscribe TOKEN" anywhere in the subject, so "Re: unsubscribe …" or "Fwd: …" still count.
# A token is signing.dumps output: URL-safe base64, dots and colons.
_TOKEN_IN_SUBJECT = re.compile(rf"\b{UNSUBSCRIBE_SUBJECT}\s+([A-Za-z0-9_.:-]+)", re.IGNORECASE)

# Provider bounce types that say the mailbox will not take mail again soon.
SOFT_BOUNCE_TYPES = {"SoftBounce", "Transient", "DnsError", "AutoResponder"}


def tracking_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    from newsletter import services

    if not event.recipient:
        return
    esp_type = event.esp_event.get("Type") if isinstance(event.esp_event, dict) else None
    reason = " — ".join(part for part in (esp_name, esp_type, event.description, event.mta_response) if part)
    if event.event_type == EventType.BOUNCED and esp_type not in SOFT_BOUNCE_TYPES:
        services.subscriber_suppress(email=event.recipient, state="bounced", reason=reason, at=event.timestamp)
    elif event.event_type == EventType.REJECTED and event.reject_reason in ("invalid", "bounced"):
        services.subscriber_suppress(email=event.recipient, state="bounced", reason=reason, at=event.timestamp)
    elif event.event_type == EventType.COMPLAINED:
        services.subscriber_suppress(email=event.recipient, state="complained", reason=reason, at=event.timestamp)
    else:
        logger.info("newsletter: ignored %s event %s for a recipient", esp_name, event.event_type)


@csrf_exempt
def postmark_tracking(request, *args, **kwargs):
    """Postmark's tracking webhook, refused unless a shared secret is configured.

    Without ANYMAIL_WEBHOOK_SECRET anyone could mark addresses as bounced, so the endpoint
    answers 404 until the secret is set (and the same user:password is entered at Postmark).
    """
    from anymail.webhooks.postmark import PostmarkTrackingWebhookView

    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("The bounce webhook is not configured.")
    return PostmarkTrackingWebhookView.as_view()(request, *args, **kwargs)


def _recipients(message) -> set[str]:
    found = {message.envelope_recipient or ""}
    for header in ("to", "cc", "bcc"):
        found.update(address.addr_spec for address in getattr(message, header, None) or [])
    return {address.strip().lower() for address in found if address}


def inbound_received(sender, event: AnymailInboundEvent, esp_name: str, **kwargs) -> None:
    """A mail to the unsubscribe address whose subject carries a valid token unsubscribes.

    Anything else is logged and dropped with a 200 answer, so the provider does not retry it.
    """
    from newsletter import services, tokens

    message = event.message
    address = parseaddr(newsletter_unsubscribe_email())[1].lower()
    if address not in _recipients(message):
        logger.info("newsletter: ignored %s inbound mail not addressed to %s", esp_name, address)
        return
    match = _TOKEN_IN_SUBJECT.search(message.subject or "")
    if match is None:
        logger.info("newsletter: ignored %s inbound mail to %s without an unsubscribe token", esp_name, address)
        return
    try:
        services.subscriber_unsubscribe_by_token(token=match.group(1), source="mailto")
    except tokens.TokenError as error:
        logger.info("newsletter: ignored %s unsubscribe mail with a token that is %s", esp_name, error.reason)


@csrf_exempt
def postmark_inbound(request, *args, **kwargs):
    """Postmark's inbound webhook: mail to NEWSLETTER_UNSUBSCRIBE_EMAIL, forwarded as JSON.

    Guarded like the tracking webhook: 404 until ANYMAIL_WEBHOOK_SECRET is set, and Postmark
    must send that user:password (https://user:password@…/newsletter/webhooks/postmark/inbound/).
    """
    from anymail.webhooks.postmark import PostmarkInboundWebhookView

    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("The inbound mail webhook is not configured.")
    return PostmarkInboundWebhookView.as_view()(request, *args, **kwargs)
