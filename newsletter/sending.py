"""The delivery machinery behind a send: rows made once, claimed in leased batches, marked one by one.

Why it loses nothing: there is one Delivery row per (send, subscriber) (a unique constraint),
a worker only sends rows it claimed with a lease token, and each row is marked the moment its
mail is accepted. A worker killed mid-batch leaves its unsent rows queued under a lease that
expires; the next worker takes them, and rows already marked sent are never taken again.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Min, Q
from django.utils import timezone

from magazine import outbox
from newsletter import emails, selectors
from newsletter.models import Delivery, Send, Subscriber, Subscription

logger = logging.getLogger(__name__)


def deliveries_create(*, send: Send) -> int:
    """One queued row per subscriber receiving the list now; streamed, safe to run twice."""
    created = 0
    chunk: list[Delivery] = []
    now = timezone.now()
    size = settings.NEWSLETTER_PREPARE_CHUNK
    for subscriber_id in selectors.recipient_ids(newsletter=send.newsletter):
        chunk.append(Delivery(send_id=send.pk, subscriber_id=subscriber_id, next_attempt_at=now))
        if len(chunk) >= size:
            created += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
            chunk = []
            outbox.renew()
    if chunk:
        created += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
    return created


def _claimable(send_id: int, now: datetime):
    lease_expired = now - timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    return Delivery.objects.filter(send_id=send_id, state=Delivery.State.QUEUED, next_attempt_at__lte=now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_expired)
    )


def claim_batch(*, send_id: int, size: int | None = None, now: datetime | None = None) -> str | None:
    """Lease up to ``size`` queued rows to a new claim token; None when none are free.

    The UPDATE repeats the "free" condition, so two workers can never hold the same row: on
    PostgreSQL the candidate rows are also locked with SKIP LOCKED so workers do not queue up
    behind each other; SQLite serialises writers anyway.
    """
    size = size or settings.NEWSLETTER_BATCH_SIZE
    now = now or timezone.now()
    claim = uuid.uuid4().hex
    with transaction.atomic():
        candidates = _claimable(send_id, now).order_by("id")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:size])
        if not ids:
            return None
        claimed = _claimable(send_id, now).filter(id__in=ids).update(claimed_by=claim, claimed_at=now)
    return claim if claimed else None


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.NEWSLETTER_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0)))


def _renew_lease(send_id: int, claim: str) -> set[int]:
    """Keep holding the rows of a batch still being sent, and the promised task sending them.

    Returns the rows still held: after a stall longer than the lease (a busy database, a slow
    mail server) another worker may have taken some over, and those are its to send now.
    """
    held = Delivery.objects.filter(send_id=send_id, claimed_by=claim, state=Delivery.State.QUEUED)
    held.update(claimed_at=timezone.now())
    outbox.renew()
    return set(held.values_list("pk", flat=True))


def deliver_claimed(*, send: Send, claim: str) -> dict[str, int]:
    """Send the claimed rows over one SMTP connection and mark each as soon as it is done."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    rows = list(selectors.claimed_deliveries(send=send, claim=claim))
    if not rows:
        return counts
    candidates = None
    if send.kind == Send.Kind.DIGEST:
        end = send.period_end or timezone.now()
        start = send.period_start or end - timedelta(days=settings.NEWSLETTER_DIGEST_DAYS)
        candidates = selectors.digest_candidates(since=start, until=end)
    fixed_articles = selectors.send_articles(send=send) if send.kind == Send.Kind.MANUAL else None
    issue_mail = emails.IssueMail(send=send)
    mail = get_connection()
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 — the server is down: every row waits for a retry
        for row in rows:
            counts[_mark_failure(row, claim, error)] += 1
        return counts
    renew_every = settings.NEWSLETTER_LEASE_SECONDS / 3
    renewed = time.monotonic()
    still_held = None
    try:
        for row in rows:
            if time.monotonic() - renewed > renew_every:
                still_held = _renew_lease(send.pk, claim)
                renewed = time.monotonic()
            if still_held is not None and row.pk not in still_held:
                continue  # its lease lapsed and another worker took it over: never send it twice
            subscriber = row.subscriber
            on_list = any(s.state == Subscription.State.ACTIVE for s in subscriber.this_list)
            if subscriber.state != Subscriber.State.ACTIVE or not on_list:
                _mark(row, claim, state=Delivery.State.SKIPPED, last_error=f"Not receiving ({subscriber.state})")
                counts["skipped"] += 1
                continue
            if fixed_articles is not None:
                articles = fixed_articles
            else:
                articles = selectors.digest_for(
                    candidates=candidates,
                    region_ids=[r.pk for r in subscriber.regions.all()],
                    topic_ids=[t.pk for t in subscriber.topics.all()],
                )
            try:
                message = issue_mail.message(subscriber=subscriber, articles=articles, connection=mail)
                message.send()
            except Exception as error:  # noqa: BLE001 — recorded on the row, retried with backoff
                counts[_mark_failure(row, claim, error)] += 1
                _reopen(mail)
                continue
            _mark(row, claim, state=Delivery.State.SENT, sent_at=timezone.now(), attempts=row.attempts + 1, last_error="")
            counts["sent"] += 1
    finally:
        try:
            mail.close()
        except Exception:  # noqa: BLE001
            logger.warning("newsletter: closing the SMTP connection failed", exc_info=True)
    return counts


def _reopen(mail) -> None:
    try:
        mail.close()
    except Exception:  # noqa: BLE001
        pass
    try:
        mail.open()
    except Exception:  # noqa: BLE001
        logger.warning("newsletter: reopening the SMTP connection failed", exc_info=True)


def _mark(row: Delivery, claim: str, **fields) -> None:
    # Only the holder of the lease may mark the row; the lease is released with the result.
    # A mail already accepted must be recorded: a database busy for a moment (SQLite's lock, a
    # dropped connection) is waited out, since a row left unmarked is sent again later.
    for wait in (0.1, 0.3, 1.0, 2.0, 4.0, None):
        try:
            Delivery.objects.filter(pk=row.pk, claimed_by=claim).update(claimed_by="", claimed_at=None, **fields)
            return
        except OperationalError:
            if wait is None or db_connection.in_atomic_block:
                raise
            logger.warning("newsletter: recording delivery %s failed; trying again in %s s", row.pk, wait, exc_info=True)
            db_connection.close_if_unusable_or_obsolete()
            time.sleep(wait)


def _mark_failure(row: Delivery, claim: str, error: Exception) -> str:
    attempts = row.attempts + 1
    message = f"{type(error).__name__}: {error}"[:500]
    if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        _mark(row, claim, state=Delivery.State.FAILED, attempts=attempts, last_error=message)
        return "failed"
    _mark(row, claim, attempts=attempts, last_error=message, next_attempt_at=timezone.now() + _backoff(attempts))
    return "retry"


def next_wakeup(*, send_id: int) -> datetime | None:
    """When unfinished rows next become claimable (a retry falls due or a lease runs out)."""
    queued = Delivery.objects.filter(send_id=send_id, state=Delivery.State.QUEUED)
    found = queued.aggregate(retry=Min("next_attempt_at", filter=Q(claimed_at__isnull=True)), lease=Min("claimed_at"))
    times = [found["retry"]]
    if found["lease"] is not None:
        times.append(found["lease"] + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS))
    times = [t for t in times if t is not None]
    return min(times) if times else None


def send_finish_if_done(*, send_id: int) -> bool:
    """Mark the send sent once its rows are made and none is left queued."""
    if not Send.objects.filter(pk=send_id, prepared_at__isnull=False).exists():
        return False
    if Delivery.objects.filter(send_id=send_id, state=Delivery.State.QUEUED).exists():
        return False
    Send.objects.filter(pk=send_id, status=Send.Status.SENDING).update(status=Send.Status.SENT, finished_at=timezone.now())
    return True


def claimable_count(*, send_id: int, now: datetime | None = None) -> int:
    return _claimable(send_id, now or timezone.now()).count()
