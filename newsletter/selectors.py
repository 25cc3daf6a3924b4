"""Reads for newsletters: who receives a send, what a digest holds, how far a send has got."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from articles import selectors as article_selectors
from articles.models import Article, Region, Topic
from newsletter import tokens
from newsletter.models import Delivery, Newsletter, Send, Subscriber, Subscription


def active_newsletters():
    return Newsletter.objects.filter(is_active=True).order_by("ordering", "name")


def default_newsletter() -> Newsletter | None:
    return active_newsletters().filter(is_default=True).first() or active_newsletters().first()


def subscriber_for_token(*, data: tokens.TokenData) -> Subscriber:
    """The subscriber a verified token names, or TokenError("unknown") if deleted or re-addressed."""
    subscriber = (
        Subscriber.objects.filter(pk=data.subscriber_id)
        .prefetch_related("regions", "topics", "subscriptions__newsletter")
        .first()
    )
    if subscriber is None or tokens.fingerprint(subscriber.email) != data.fingerprint:
        raise tokens.TokenError("unknown")
    return subscriber


def subscriber_by_email(*, email: str) -> Subscriber | None:
    return Subscriber.objects.filter(email__iexact=email.strip()).first()


def recipient_ids(*, newsletter: Newsletter) -> Iterable[int]:
    """Ids of every subscriber who receives the list now, streamed in chunks (never all in memory)."""
    return (
        Subscription.objects.receiving()
        .filter(newsletter=newsletter)
        .order_by("subscriber_id")
        .values_list("subscriber_id", flat=True)
        .iterator(chunk_size=2000)
    )


def recipient_count(*, newsletter: Newsletter) -> int:
    """How many subscribers a send to the list would reach if it started now (as ``recipient_ids``)."""
    return Subscription.objects.receiving().filter(newsletter=newsletter).count()


def send_progress(*, send: Send) -> dict[str, int]:
    counts = dict(
        Delivery.objects.filter(send=send).values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in Delivery.State.values} | {"total": sum(counts.values())}


def sends_with_progress():
    """Sends annotated with queued / sent / failed / skipped counts: one query for a whole page."""
    return Send.objects.select_related("newsletter").annotate(
        n_queued=Count("deliveries", filter=Q(deliveries__state=Delivery.State.QUEUED)),
        n_sent=Count("deliveries", filter=Q(deliveries__state=Delivery.State.SENT)),
        n_failed=Count("deliveries", filter=Q(deliveries__state=Delivery.State.FAILED)),
        n_skipped=Count("deliveries", filter=Q(deliveries__state=Delivery.State.SKIPPED)),
    )


def send_articles(*, send: Send) -> list[Article]:
    """The hand-picked articles of a send that are live, in the editor's order, card-ready."""
    ids = list(send.send_articles.order_by("sort_order", "id").values_list("article_id", flat=True))
    found = {a.pk: a for a in article_selectors.cards().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def digest_candidates(*, since: datetime, until: datetime, limit: int = 300) -> list[Article]:
    """The period's articles, best first: featured, then most discussed and shared, then newest.

    One query for a whole batch of subscribers; each subscriber's digest is picked from this
    list in memory by ``digest_for`` so the send does no query per mail.
    """
    return list(
        article_selectors.cards()
        .filter(published_at__gte=since, published_at__lt=until)
        .order_by("-featured", "-comment_count", "-share_count", "-published_at", "-id")[:limit]
    )


def digest_for(
    *, candidates: Sequence[Article], region_ids: Iterable[int], topic_ids: Iterable[int], limit: int | None = None
) -> list[Article]:
    """A subscriber's digest: the best candidates in their regions (or inside them) or topics.

    A subscriber who chose nothing gets the best of everything; one who chose only regions or
    only topics gets articles matching those.
    """
    limit = settings.NEWSLETTER_DIGEST_ARTICLES if limit is None else limit
    regions, topics = set(region_ids), set(topic_ids)
    if not regions and not topics:
        return list(candidates[:limit])
    picked = []
    for article in candidates:
        region = article.region
        in_region = bool(regions) and (article.region_id in regions or region.parent_id in regions)
        in_topic = bool(topics) and article.topic_id in topics
        if in_region or in_topic:
            picked.append(article)
            if len(picked) >= limit:
                break
    return picked


def claimed_deliveries(*, send: Send, claim: str):
    """The rows a worker claimed, with what each mail needs (subscriber, preferences, lists)."""
    return (
        Delivery.objects.filter(send=send, claimed_by=claim, state=Delivery.State.QUEUED)
        .select_related("subscriber")
        .prefetch_related(
            Prefetch("subscriber__regions", queryset=Region.objects.only("id", "name")),
            Prefetch("subscriber__topics", queryset=Topic.objects.only("id", "name")),
            Prefetch(
                "subscriber__subscriptions",
                queryset=Subscription.objects.filter(newsletter=send.newsletter),
                to_attr="this_list",
            ),
        )
        .order_by("id")
    )


# Issues whose mail has gone out (or is going out): the ones a "view in browser" link may show.
PUBLIC_SEND_STATUSES = (Send.Status.SENDING, Send.Status.SENT)


def public_send(*, web_id: str) -> Send:
    """The issue with this web id if its mail has gone out; Http404 for drafts, scheduled and
    cancelled issues and for any id that names nothing."""
    send = Send.objects.select_related("newsletter").filter(web_id=web_id, status__in=PUBLIC_SEND_STATUSES).first()
    if send is None:
        raise Http404("No sent issue has this address.")
    return send


def web_issue_articles(*, send: Send) -> list[Article]:
    """What the web version shows: the hand-picked articles, or the general digest of the period
    (the best of everything, as a subscriber who chose no region or topic gets it)."""
    if send.kind == Send.Kind.MANUAL:
        return send_articles(send=send)
    end = send.period_end or send.started_at or timezone.now()
    start = send.period_start or end - timedelta(days=settings.NEWSLETTER_DIGEST_DAYS)
    return digest_for(candidates=digest_candidates(since=start, until=end), region_ids=(), topic_ids=())
