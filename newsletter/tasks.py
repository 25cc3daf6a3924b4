"""Background work for newsletters, on the Tasks API (database queue by default, RQ with Redis)."""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from magazine import outbox
from newsletter import emails, sending
from newsletter.models import Send, Subscriber, Subscription

logger = logging.getLogger(__name__)


def promise_batches(send_id: int, rows: int) -> int:
    """Promise one delivery batch per NEWSLETTER_BATCH_SIZE free rows (call inside the transaction)."""
    batches = math.ceil(rows / settings.NEWSLETTER_BATCH_SIZE) if rows else 0
    for _ in range(batches):
        outbox.promise(deliver_batch, send_id)
    return batches


@task()
def send_confirmation(subscriber_id: int) -> bool:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.state == Subscriber.State.COMPLAINED:
        return False
    newsletters = [
        s.newsletter
        for s in subscriber.subscriptions.filter(state=Subscription.State.PENDING).select_related("newsletter")
    ]
    if not newsletters and subscriber.state != Subscriber.State.PENDING:
        return False
    emails.confirmation_message(subscriber=subscriber, newsletters=newsletters).send()
    return True


@task()
def send_welcome(subscriber_id: int) -> bool:
    """The welcome mail after a confirmation: the lists the address now gets, and its links.
    Nothing goes to an address that stopped (unsubscribed, bounced, complained) meanwhile."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id, state=Subscriber.State.ACTIVE).first()
    if subscriber is None:
        return False
    newsletters = [
        s.newsletter
        for s in subscriber.subscriptions.receiving().filter(newsletter__is_active=True).select_related("newsletter")
    ]
    if not newsletters:
        return False
    emails.welcome_message(subscriber=subscriber, newsletters=newsletters).send()
    return True


@task()
def prepare_send(send_id: int) -> int:
    """Make the delivery rows of a send, then promise the batches that send them.

    Safe to run again after a kill at any point: rows are made once (a unique constraint), and
    the batches are promised in the same transaction that marks the send prepared.
    """
    send = Send.objects.select_related("newsletter").filter(pk=send_id, status=Send.Status.SENDING).first()
    if send is None:
        return 0
    if send.prepared_at is None:
        sending.deliveries_create(send=send)
    with transaction.atomic():
        rows = 0
        if Send.objects.filter(pk=send_id, prepared_at__isnull=True).update(prepared_at=timezone.now()):
            rows = sending.claimable_count(send_id=send_id)
            promise_batches(send_id, rows)
    sending.send_finish_if_done(send_id=send_id)
    return rows


@task()
def deliver_batch(send_id: int) -> dict:
    """Claim one batch of a send, deliver it over one SMTP connection, record each result."""
    send = Send.objects.select_related("newsletter").filter(pk=send_id).first()
    if send is None or send.status != Send.Status.SENDING:
        return {}
    claim = sending.claim_batch(send_id=send_id)
    counts = sending.deliver_claimed(send=send, claim=claim) if claim is not None else {}
    if not sending.send_finish_if_done(send_id=send_id) and (claim is None or counts.get("retry")):
        # Rows are left that nobody can take yet (a retry not due, another worker's lease):
        # come back when they can be taken.
        wakeup = sending.next_wakeup(send_id=send_id)
        if wakeup is not None:
            outbox.promise(deliver_batch, send_id, run_after=wakeup)
    return counts


@task()
def watch_send(send_id: int) -> bool:
    """Kept for tasks queued by earlier versions; the outbox now carries every step of a send."""
    return False


@task()
def start_scheduled_send(send_id: int, scheduled_for: str) -> bool:
    """Start a scheduled send, unless it was rescheduled, cancelled or started meanwhile."""
    from newsletter import services

    send = Send.objects.filter(pk=send_id, status=Send.Status.SCHEDULED).select_related("newsletter").first()
    if send is None or send.scheduled_for is None or send.scheduled_for.isoformat() != scheduled_for:
        return False
    with transaction.atomic():
        services.send_start(send=send)
    return True


def resume_stalled_sends() -> int:
    """Start scheduled issues whose time has come and promise the work of every sending issue
    again (a send that lost its rows' batches, rows retried by staff). Safe to repeat: promised
    batches only take free rows. For the admin's "resume" action and cron."""
    from newsletter import services

    count = 0
    for send in Send.objects.filter(status=Send.Status.SCHEDULED, scheduled_for__lte=timezone.now()):
        with transaction.atomic():
            services.send_start(send=send)
        count += 1
    for send_id, prepared_at in Send.objects.filter(status=Send.Status.SENDING).values_list("pk", "prepared_at"):
        with transaction.atomic():
            if prepared_at is None:
                outbox.promise(prepare_send, send_id)  # making the rows again is safe
                count += 1
                continue
            free = sending.claimable_count(send_id=send_id)
            if free:
                promise_batches(send_id, free)
                count += 1
        if not free:
            sending.send_finish_if_done(send_id=send_id)
    return count
