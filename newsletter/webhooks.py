"""Bounces and complaints from the email provider, delivered through anymail's tracking signal."""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, EventType
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

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
