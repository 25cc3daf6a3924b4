"""Writes for newsletters: sign-up, confirmation, preferences, suppression and sends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Region, Topic
from magazine import outbox
from newsletter import selectors, tokens
from newsletter.models import Delivery, Newsletter, Send, SendArticle, Subscriber, SubscriberEvent, Subscription
from newsletter.validators import clean_email_address

SEND_PERMISSION = "newsletter.start_send"
LIFT_SUPPRESSION_PERMISSION = "newsletter.lift_suppression"

# --- subscribers


def _event(subscriber: Subscriber, kind: str, now: datetime | None = None, **detail) -> None:
    SubscriberEvent.objects.create(subscriber=subscriber, kind=kind, detail=detail, created_at=now or timezone.now())


def _get_or_create_subscriber(email: str) -> tuple[Subscriber, bool]:
    found = selectors.subscriber_by_email(email=email)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email), True
    except IntegrityError:
        # Another request created the same address (in another case) a moment ago.
        return Subscriber.objects.get(email__iexact=email), False


def subscriber_sign_up(
    *,
    email: str,
    newsletters: Sequence[Newsletter],
    source: str,
    consent_text: str | None = None,
    now: datetime | None = None,
) -> Subscriber:
    """Record the sign-up and its consent, then mail a confirmation link (at most one an hour).

    The caller shows the same answer whatever happened here, so the page never tells whether
    the address was already known.
    """
    email = clean_email_address(email)
    now = now or timezone.now()
    consent_text = consent_text or settings.NEWSLETTER_CONSENT_TEXT
    newsletters = [n for n in newsletters if n.is_active]
    if not newsletters:
        raise ValidationError("That newsletter is closed to new subscribers.", code="closed")
    with transaction.atomic():
        subscriber, created = _get_or_create_subscriber(email)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.is_suppressed:
            # The address bounced or its owner reported our mail as spam: anyone can type it
            # into the form, so the form neither mails it nor changes it. Only staff lift this
            # (subscriber_suppression_lift); the caller answers as for any other address.
            _event(
                subscriber,
                SubscriberEvent.Kind.SIGNED_UP,
                now,
                source=source[:250],
                lists=[n.slug for n in newsletters],
                suppressed=subscriber.state,
            )
            return subscriber
        wanted = []
        for newsletter in newsletters:
            subscription, _ = Subscription.objects.get_or_create(
                subscriber=subscriber, newsletter=newsletter, defaults={"state": Subscription.State.PENDING}
            )
            if subscription.state != Subscription.State.ACTIVE or subscriber.state != Subscriber.State.ACTIVE:
                if subscription.state != Subscription.State.PENDING:
                    subscription.state = Subscription.State.PENDING
                    subscription.changed_at = now
                    subscription.save(update_fields=["state", "changed_at"])
                wanted.append(newsletter)
        if not wanted:
            return subscriber
        if subscriber.state != Subscriber.State.ACTIVE:
            subscriber.state = Subscriber.State.PENDING
        subscriber.consent_at = now
        subscriber.consent_source = source[:250]
        subscriber.consent_text = consent_text
        fields = ["state", "consent_at", "consent_source", "consent_text"]
        _event(
            subscriber,
            SubscriberEvent.Kind.SIGNED_UP,
            now,
            source=source[:250],
            lists=[n.slug for n in wanted],
            consent_text=consent_text,
        )
        resend_after = now - timedelta(seconds=settings.NEWSLETTER_CONFIRM_RESEND_SECONDS)
        if subscriber.confirmation_sent_at is None or subscriber.confirmation_sent_at <= resend_after:
            subscriber.confirmation_sent_at = now
            fields.append("confirmation_sent_at")
            _event(subscriber, SubscriberEvent.Kind.CONFIRMATION_SENT, now, lists=[n.slug for n in wanted])
            _promise_confirmation(subscriber.pk)
        subscriber.save(update_fields=fields)
    return subscriber


def _promise_confirmation(subscriber_id: int) -> None:
    """Recorded with the sign-up (same transaction), mailed by a worker."""
    from newsletter.tasks import send_confirmation

    outbox.promise(send_confirmation, subscriber_id)


def subscription_confirm(*, subscriber: Subscriber, now: datetime | None = None) -> bool:
    """Confirm the address and its pending lists. False when there was nothing left to confirm."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        pending = subscriber.subscriptions.filter(state=Subscription.State.PENDING)
        if subscriber.is_suppressed:
            return False  # bounced or complained: only staff lift that (subscriber_suppression_lift)
        if subscriber.state != Subscriber.State.PENDING and not pending.exists():
            return False
        lists = list(pending.values_list("newsletter__slug", flat=True))
        pending.update(state=Subscription.State.ACTIVE, changed_at=now)
        subscriber.state = Subscriber.State.ACTIVE
        subscriber.confirmed_at = now
        subscriber.suppressed_at = None
        subscriber.suppressed_reason = ""
        subscriber.save(update_fields=["state", "confirmed_at", "suppressed_at", "suppressed_reason"])
        _event(subscriber, SubscriberEvent.Kind.CONFIRMED, now, lists=lists)
        _promise_welcome(subscriber.pk, now)
    return True


def _promise_welcome(subscriber_id: int, confirmed_at: datetime) -> None:
    """Recorded with the confirmation (same transaction): one welcome mail per confirmation."""
    from newsletter.tasks import send_welcome

    outbox.promise(send_welcome, subscriber_id, key=f"newsletter.welcome:{subscriber_id}:{confirmed_at.isoformat()}")


def preferences_update(
    *,
    subscriber: Subscriber,
    newsletters: Iterable[Newsletter],
    regions: Iterable[Region],
    topics: Iterable[Topic],
    format: str,
    now: datetime | None = None,
) -> Subscriber:
    """Set the lists, regions, topics and format the subscriber chose on the preference page."""
    now = now or timezone.now()
    chosen = {n.pk for n in newsletters if n.is_active}
    regions, topics = list(regions), list(topics)
    if format not in Subscriber.Format.values:
        raise ValidationError({"format": "Choose HTML or plain text."})
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        before = _snapshot(subscriber)
        for newsletter in selectors.active_newsletters():
            state = Subscription.State.ACTIVE if newsletter.pk in chosen else Subscription.State.UNSUBSCRIBED
            subscription = Subscription.objects.filter(subscriber=subscriber, newsletter=newsletter).first()
            if subscription is None:
                if state == Subscription.State.ACTIVE:
                    Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, state=state, changed_at=now)
            elif subscription.state != state:
                subscription.state = state
                subscription.changed_at = now
                subscription.save(update_fields=["state", "changed_at"])
        subscriber.regions.set(regions)
        subscriber.topics.set(topics)
        subscriber.format = format
        fields = ["format"]
        if chosen and subscriber.state != Subscriber.State.ACTIVE:
            # The signed link proves the mailbox is theirs; choosing lists is consent to receive them.
            subscriber.state = Subscriber.State.ACTIVE
            subscriber.confirmed_at = subscriber.confirmed_at or now
            subscriber.suppressed_at, subscriber.suppressed_reason = None, ""
            fields += ["state", "confirmed_at", "suppressed_at", "suppressed_reason"]
        elif not chosen and subscriber.state == Subscriber.State.ACTIVE:
            subscriber.state = Subscriber.State.UNSUBSCRIBED
            subscriber.unsubscribed_at = now
            fields += ["state", "unsubscribed_at"]
        subscriber.save(update_fields=fields)
        _event(subscriber, SubscriberEvent.Kind.PREFERENCES, now, before=before, after=_snapshot(subscriber))
    return subscriber


def _snapshot(subscriber: Subscriber) -> dict:
    return {
        "state": subscriber.state,
        "format": subscriber.format,
        "lists": sorted(
            subscriber.subscriptions.filter(state=Subscription.State.ACTIVE).values_list("newsletter__slug", flat=True)
        ),
        "regions": sorted(subscriber.regions.values_list("slug", flat=True)),
        "topics": sorted(subscriber.topics.values_list("slug", flat=True)),
    }


def subscriber_unsubscribe(
    *, subscriber: Subscriber, newsletter: Newsletter | None = None, source: str = "preferences", now=None
) -> Subscriber:
    """Stop one list, or every list; with no list left the address is unsubscribed."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        subscriptions = subscriber.subscriptions.exclude(state=Subscription.State.UNSUBSCRIBED)
        if newsletter is not None:
            subscriptions = subscriptions.filter(newsletter=newsletter)
        lists = list(subscriptions.values_list("newsletter__slug", flat=True))
        subscriptions.update(state=Subscription.State.UNSUBSCRIBED, changed_at=now)
        still = subscriber.subscriptions.exclude(state=Subscription.State.UNSUBSCRIBED).exists()
        if not still and subscriber.state in (Subscriber.State.ACTIVE, Subscriber.State.PENDING):
            subscriber.state = Subscriber.State.UNSUBSCRIBED
            subscriber.unsubscribed_at = now
            subscriber.save(update_fields=["state", "unsubscribed_at"])
        _event(subscriber, SubscriberEvent.Kind.UNSUBSCRIBED, now, lists=lists, source=source, all=newsletter is None)
    return subscriber


def subscriber_unsubscribe_by_token(*, token: str, source: str, now=None) -> Subscriber:
    """An unsubscribe token that came back by mail (the List-Unsubscribe mailto:): stop the list
    it names, or every list when it names none.

    Raises ``tokens.TokenError`` for a token that is invalid, expired or for an address that
    was deleted or changed since, exactly as the link would refuse it.
    """
    data = tokens.read_unsubscribe_token(token)
    subscriber = selectors.subscriber_for_token(data=data)
    newsletter = None
    if data.newsletter_id is not None:
        newsletter = Newsletter.objects.filter(pk=data.newsletter_id).first()
        if newsletter is None:
            return subscriber  # the list is gone, and with it every mail of it
    return subscriber_unsubscribe(subscriber=subscriber, newsletter=newsletter, source=source, now=now)


def subscriber_resubscribe(*, subscriber: Subscriber, newsletter: Newsletter | None = None, now=None) -> Subscriber:
    """Undo an unsubscribe from the preference page (the signed link proves the mailbox).
    A suppressed address (bounced, complained) stays suppressed: staff lift that."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.is_suppressed:
            raise ValidationError(
                "We stopped mailing this address because our mail to it bounced or was reported as spam, "
                "so it cannot be switched back on from here. Write to us (reply to any of our mails) and "
                "we will check the address and start again.",
                code="suppressed",
            )
        if newsletter is not None:
            if not newsletter.is_active:
                raise ValidationError("That newsletter is closed.", code="closed")
            targets = [newsletter]
        else:
            targets = [s.newsletter for s in subscriber.subscriptions.select_related("newsletter") if s.newsletter.is_active]
            targets = targets or [selectors.default_newsletter()]
        for target in filter(None, targets):
            Subscription.objects.update_or_create(
                subscriber=subscriber, newsletter=target, defaults={"state": Subscription.State.ACTIVE, "changed_at": now}
            )
        subscriber.state = Subscriber.State.ACTIVE
        subscriber.confirmed_at = subscriber.confirmed_at or now
        subscriber.suppressed_at, subscriber.suppressed_reason = None, ""
        subscriber.save(update_fields=["state", "confirmed_at", "suppressed_at", "suppressed_reason"])
        _event(subscriber, SubscriberEvent.Kind.RESUBSCRIBED, now, lists=[t.slug for t in targets if t])
    return subscriber


def subscriber_data_export(*, subscriber: Subscriber) -> dict:
    """Everything stored about the subscriber, as the reader downloads it."""
    data = {
        "email": subscriber.email,
        "state": subscriber.state,
        "format": subscriber.format,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "consent": {
            "at": subscriber.consent_at.isoformat() if subscriber.consent_at else None,
            "source": subscriber.consent_source,
            "text": subscriber.consent_text,
        },
        "subscriptions": [
            {"newsletter": s.newsletter.name, "state": s.state, "changed_at": s.changed_at.isoformat()}
            for s in subscriber.subscriptions.select_related("newsletter")
        ],
        "regions": list(subscriber.regions.values_list("name", flat=True)),
        "topics": list(subscriber.topics.values_list("name", flat=True)),
        "history": [
            {"event": e.kind, "at": e.created_at.isoformat(), "detail": e.detail} for e in subscriber.events.order_by("created_at", "id")
        ],
        "mails_sent": subscriber.deliveries.filter(state=Delivery.State.SENT).count(),
    }
    _event(subscriber, SubscriberEvent.Kind.EXPORTED)
    return data


def subscriber_delete(*, subscriber: Subscriber) -> None:
    """Forget the address: the subscriber, their lists, history and delivery records."""
    Subscriber.objects.filter(pk=subscriber.pk).delete()


def subscriber_suppress(*, email: str, state: str, reason: str, at: datetime | None = None) -> Subscriber | None:
    """A bounce or complaint from the provider: no later send includes this address."""
    at = at or timezone.now()
    subscriber = selectors.subscriber_by_email(email=email)
    if subscriber is None:
        return None
    if state not in (Subscriber.State.BOUNCED, Subscriber.State.COMPLAINED):
        raise ValueError(state)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.state == Subscriber.State.COMPLAINED and state == Subscriber.State.BOUNCED:
            return subscriber  # a complaint is the stronger reason; keep it
        subscriber.state = state
        subscriber.suppressed_at = at
        subscriber.suppressed_reason = reason[:300]
        subscriber.save(update_fields=["state", "suppressed_at", "suppressed_reason"])
        kind = SubscriberEvent.Kind.BOUNCED if state == Subscriber.State.BOUNCED else SubscriberEvent.Kind.COMPLAINED
        _event(subscriber, kind, at, reason=reason[:300])
        # Mail still waiting in a running send is skipped, not sent.
        Delivery.objects.filter(subscriber=subscriber, state=Delivery.State.QUEUED).update(
            state=Delivery.State.SKIPPED, last_error=f"Suppressed: {state}"
        )
    return subscriber


def subscriber_suppression_lift(*, subscriber: Subscriber, by, reason: str, now: datetime | None = None) -> Subscriber:
    """Staff take a bounced or complained address off the suppression list, saying why.

    The address gets no mail from this: it is left unsubscribed from every list, and the
    reader signs up again and confirms from the mail (double opt-in) to receive anything.
    """
    if by is None or not (by.is_active and by.has_perm(LIFT_SUPPRESSION_PERMISSION)):
        raise PermissionDenied("You may not lift suppressions.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("Say why the suppression is lifted.", code="reason")
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if not subscriber.is_suppressed:
            raise ValidationError(
                "%(email)s is not suppressed (it is %(state)s).",
                code="not_suppressed",
                params={"email": subscriber.email, "state": subscriber.get_state_display().lower()},
            )
        was = {
            "state": subscriber.state,
            "suppressed_at": subscriber.suppressed_at.isoformat() if subscriber.suppressed_at else None,
            "suppressed_reason": subscriber.suppressed_reason,
        }
        subscriptions = subscriber.subscriptions.exclude(state=Subscription.State.UNSUBSCRIBED)
        lists = list(subscriptions.values_list("newsletter__slug", flat=True))
        subscriptions.update(state=Subscription.State.UNSUBSCRIBED, changed_at=now)
        subscriber.state = Subscriber.State.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.suppressed_at, subscriber.suppressed_reason = None, ""
        subscriber.save(update_fields=["state", "unsubscribed_at", "suppressed_at", "suppressed_reason"])
        _event(
            subscriber,
            SubscriberEvent.Kind.SUPPRESSION_LIFTED,
            now,
            by=by.get_username(),
            by_id=by.pk,
            reason=reason[:500],
            was=was,
            lists=lists,
        )
    return subscriber


# --- sends


def _check_may_send(by) -> None:
    if by is not None and not (by.is_active and by.has_perm(SEND_PERMISSION)):
        raise PermissionDenied("You may not send newsletters.")


def send_create(
    *,
    newsletter: Newsletter,
    subject: str,
    intro: str = "",
    kind: str = Send.Kind.MANUAL,
    articles: Sequence[Article] = (),
    by=None,
    period_key: str = "",
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> Send:
    send = Send(
        newsletter=newsletter,
        subject=subject,
        intro=intro,
        kind=kind,
        created_by=by,
        period_key=period_key,
        period_start=period_start,
        period_end=period_end,
    )
    send.full_clean(validate_constraints=False)
    with transaction.atomic():
        send.save()
        SendArticle.objects.bulk_create(
            [SendArticle(send=send, article=article, sort_order=i) for i, article in enumerate(articles)]
        )
    return send


def digest_period(*, now: datetime | None = None) -> tuple[str, datetime, datetime]:
    """The ISO week the digest belongs to, and the days of articles it covers (up to now)."""
    now = now or timezone.now()
    year, week, _ = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}", now - timedelta(days=settings.NEWSLETTER_DIGEST_DAYS), now


def digest_create(*, newsletter: Newsletter, now: datetime | None = None) -> tuple[Send, bool]:
    """This period's digest of the list; an existing one is returned, never a second."""
    key, start, end = digest_period(now=now)
    existing = Send.objects.filter(newsletter=newsletter, period_key=key).first()
    if existing is not None:
        return existing, False
    local_end = timezone.localtime(end)
    subject = f"{newsletter.name}: the week of {local_end.day} {local_end:%B %Y}"
    try:
        with transaction.atomic():
            send = send_create(
                newsletter=newsletter,
                subject=subject,
                intro="",
                kind=Send.Kind.DIGEST,
                period_key=key,
                period_start=start,
                period_end=end,
            )
    except IntegrityError:
        return Send.objects.get(newsletter=newsletter, period_key=key), False
    return send, True


def send_schedule(*, send: Send, at: datetime, by=None) -> Send:
    _check_may_send(by)
    if send.status not in (Send.Status.DRAFT, Send.Status.SCHEDULED):
        raise ValidationError("Only a draft can be scheduled; this issue is %(status)s.", params={"status": send.get_status_display().lower()})
    if at <= timezone.now():
        raise ValidationError("Pick a time in the future, or send it now.")
    if not send.newsletter.is_active:
        raise ValidationError("The newsletter is closed; open it before scheduling an issue.")
    from newsletter import tasks

    with transaction.atomic():
        send.status = Send.Status.SCHEDULED
        send.scheduled_for = at
        send.save(update_fields=["status", "scheduled_for"])
        # Promised with the schedule: a worker starts it at that time even if the queue forgot.
        outbox.promise(tasks.start_scheduled_send, send.pk, at.isoformat(), run_after=at)
    return send


def send_start(*, send: Send, by=None) -> Send:
    """Start sending now: the rows are made and the batches queued by background tasks."""
    _check_may_send(by)
    if not send.newsletter.is_active:
        raise ValidationError("The newsletter is closed; open it before sending an issue.")
    if send.kind == Send.Kind.MANUAL and not send.send_articles.exists() and not send.intro.strip():
        raise ValidationError("The issue is empty: add an introduction or some articles first.")
    from newsletter import tasks

    now = timezone.now()
    with transaction.atomic():
        started = Send.objects.filter(pk=send.pk, status__in=[Send.Status.DRAFT, Send.Status.SCHEDULED]).update(
            status=Send.Status.SENDING, started_at=now
        )
        if started:
            # The send and the promise to carry it out commit together.
            outbox.promise(tasks.prepare_send, send.pk)
    send.refresh_from_db()
    if not started:
        raise ValidationError("This issue is already %(status)s.", params={"status": send.get_status_display().lower()})
    return send


def send_cancel(*, send: Send, by=None) -> Send:
    _check_may_send(by)
    with transaction.atomic():
        changed = Send.objects.filter(pk=send.pk, status__in=[Send.Status.DRAFT, Send.Status.SCHEDULED, Send.Status.SENDING]).update(
            status=Send.Status.CANCELLED, finished_at=timezone.now()
        )
        if changed:
            Delivery.objects.filter(send=send, state=Delivery.State.QUEUED).update(
                state=Delivery.State.SKIPPED, last_error="Cancelled"
            )
    send.refresh_from_db()
    return send


def send_retry_failed(*, send: Send, by=None) -> int:
    """Queue the failed mails of a send again, from their first attempt."""
    _check_may_send(by)
    with transaction.atomic():
        count = Delivery.objects.filter(send=send, state=Delivery.State.FAILED).update(
            state=Delivery.State.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_by="", claimed_at=None
        )
        if count:
            from newsletter import tasks

            Send.objects.filter(pk=send.pk).update(status=Send.Status.SENDING, finished_at=None)
            tasks.promise_batches(send.pk, count)
    return count


def send_test(*, send: Send, to_email: str, by=None) -> None:
    """Mail the issue to one address (the staff member's own) marked as a test."""
    from django.core.mail import get_connection

    from newsletter import emails

    to_email = clean_email_address(to_email)
    subscriber = selectors.subscriber_by_email(email=to_email) or Subscriber(pk=0, email=to_email)
    articles = issue_articles(send=send, subscriber=subscriber)
    with get_connection() as connection:
        emails.issue_message(send=send, subscriber=subscriber, articles=articles, connection=connection, test=True).send()


def issue_articles(*, send: Send, subscriber: Subscriber, candidates=None) -> list[Article]:
    """The articles one subscriber gets in this send: hand-picked, or their personal digest."""
    if send.kind == Send.Kind.MANUAL:
        return selectors.send_articles(send=send)
    if candidates is None:
        end = send.period_end or timezone.now()
        start = send.period_start or end - timedelta(days=settings.NEWSLETTER_DIGEST_DAYS)
        candidates = selectors.digest_candidates(since=start, until=end)
    if subscriber.pk:
        region_ids = [r.pk for r in subscriber.regions.all()]
        topic_ids = [t.pk for t in subscriber.topics.all()]
    else:
        region_ids, topic_ids = [], []
    return selectors.digest_for(candidates=candidates, region_ids=region_ids, topic_ids=topic_ids)
