"""Background work for newsletters, on the Tasks API (database queue by default, RQ with Redis)."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from newsletter import emails, sending
from newsletter.models import Send, Subscriber, Subscription

logger = logging.getLogger(__name__)


def enqueue_later(task_obj, when: datetime, *args) -> bool:
    """Queue ``task_obj`` to run at ``when`` if the backend can defer; the immediate backend
    (tests) cannot, and there the caller or a later tick picks the work up instead."""
    if not task_obj.get_backend().supports_defer:
        return False
    task_obj.using(run_after=max(when, timezone.now())).enqueue(*args)
    return True


def enqueue_batches(send_id: int, rows: int) -> int:
    batches = math.ceil(rows / settings.NEWSLETTER_BATCH_SIZE) if rows else 0
    for _ in range(batches):
        deliver_batch.enqueue(send_id)
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
def prepare_send(send_id: int) -> int:
    """Make the delivery rows of a send, then queue the batches that send them."""
    send = Send.objects.select_related("newsletter").filter(pk=send_id, status=Send.Status.SENDING).first()
    if send is None:
        return 0
    sending.deliveries_create(send=send)
    Send.objects.filter(pk=send_id, prepared_at__isnull=True).update(prepared_at=timezone.now())
    rows = sending.claimable_count(send_id=send_id)
    enqueue_later(watch_send, timezone.now() + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS), send_id)
    enqueue_batches(send_id, rows)
    sending.send_finish_if_done(send_id=send_id)
    return rows


@task()
def deliver_batch(send_id: int) -> dict:
    """Claim one batch of a send, deliver it over one SMTP connection, record each result."""
    send = Send.objects.select_related("newsletter").filter(pk=send_id).first()
    if send is None or send.status != Send.Status.SENDING:
        return {}
    claim = sending.claim_batch(send_id=send_id)
    if claim is None:
        if not sending.send_finish_if_done(send_id=send_id):
            wakeup = sending.next_wakeup(send_id=send_id)
            if wakeup is not None:
                enqueue_later(deliver_batch, wakeup, send_id)
        return {}
    counts = sending.deliver_claimed(send=send, claim=claim)
    if counts["retry"]:
        wakeup = sending.next_wakeup(send_id=send_id)
        if wakeup is not None:
            enqueue_later(deliver_batch, wakeup, send_id)
    sending.send_finish_if_done(send_id=send_id)
    return counts


@task()
def watch_send(send_id: int) -> bool:
    """Every lease period until a send is done: requeue work a killed worker left behind."""
    send = Send.objects.filter(pk=send_id).first()
    if send is None or send.status != Send.Status.SENDING:
        return False
    if sending.send_finish_if_done(send_id=send_id):
        return False
    enqueue_batches(send_id, sending.claimable_count(send_id=send_id))
    enqueue_later(watch_send, timezone.now() + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS), send_id)
    return True


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
    """Queue batches for every sending issue with free rows (a killed worker's expired lease, a
    retry that fell due); start scheduled issues whose time has come. For cron or a tick."""
    from newsletter import services

    count = 0
    for send in Send.objects.filter(status=Send.Status.SCHEDULED, scheduled_for__lte=timezone.now()):
        with transaction.atomic():
            services.send_start(send=send)
        count += 1
    for send_id, prepared_at in Send.objects.filter(status=Send.Status.SENDING).values_list("pk", "prepared_at"):
        if prepared_at is None:
            prepare_send.enqueue(send_id)  # the rows were never (all) made: making them again is safe
            count += 1
            continue
        free = sending.claimable_count(send_id=send_id)
        if free:
            enqueue_batches(send_id, free)
            count += 1
        else:
            sending.send_finish_if_done(send_id=send_id)
    return count
