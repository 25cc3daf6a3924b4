"""Subscriber CSV export and import for staff.

Import is all or nothing: every row is checked first and errors are reported by line number;
only a file without errors is written. A row becomes active only with a consent record
(consent_at and consent_text); without one it is imported as pending.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.models import Region, Topic
from magazine import outbox
from newsletter import selectors
from newsletter.models import Newsletter, Subscriber, SubscriberEvent, Subscription
from newsletter.validators import clean_email_address

COLUMNS = ["email", "state", "format", "lists", "regions", "topics", "consent_at", "consent_source", "consent_text", "created_at"]
IMPORT_REQUIRED = {"email"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 200_000


def _safe(value: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", "|").split("|") if part.strip()]


class _Echo:
    def write(self, value):
        return value


def export_lines(queryset) -> Iterator[str]:
    """CSV lines for the subscribers, streamed in chunks so any number fits in memory."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    rows = queryset.order_by("pk").prefetch_related("subscriptions__newsletter", "regions", "topics")
    for s in rows.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                _safe(s.email),
                s.state,
                s.format,
                "|".join(sub.newsletter.slug for sub in s.subscriptions.all() if sub.state == Subscription.State.ACTIVE),
                "|".join(r.slug for r in s.regions.all()),
                "|".join(t.slug for t in s.topics.all()),
                s.consent_at.isoformat() if s.consent_at else "",
                _safe(s.consent_source),
                _safe(s.consent_text),
                s.created_at.isoformat(),
            ]
        )


@dataclass
class ImportRow:
    line: int
    email: str
    format: str
    lists: list[Newsletter]
    regions: list[Region]
    topics: list[Topic]
    consent_at: datetime | None
    consent_source: str
    consent_text: str


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    active: int = 0
    pending: int = 0
    suppressed: int = 0


def _parse_when(value: str) -> datetime | None:
    found = parse_datetime(value)
    if found is None:
        day = parse_date(value)
        if day is not None:
            found = datetime(day.year, day.month, day.day)
    if found is not None and timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def parse_import(uploaded) -> ImportResult:
    result = ImportResult()
    if uploaded.size > MAX_BYTES:
        result.errors.append((0, "The file is larger than 5 MB; split it into smaller files."))
        return result
    try:
        text = uploaded.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not IMPORT_REQUIRED <= set(header):
        result.errors.append((1, f"The first row must name the columns and include “email”. Known columns: {', '.join(COLUMNS)}."))
        return result
    reader.fieldnames = header
    lists = {n.slug: n for n in Newsletter.objects.all()}
    regions = {r.slug: r for r in Region.objects.all()}
    topics = {t.slug: t for t in Topic.objects.all()}
    default = selectors.default_newsletter()
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            result.errors.append((number, f"Too many rows; import at most {MAX_ROWS} at a time."))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        problems = []
        try:
            email = clean_email_address(row.get("email", ""))
        except ValidationError as error:
            problems.append(" ".join(error.messages))
            email = row.get("email", "")
        if email and email.lower() in seen:
            problems.append(f"“{email}” is already on line {seen[email.lower()]}.")
        seen.setdefault(email.lower(), number)
        fmt = row.get("format") or Subscriber.Format.HTML
        if fmt not in Subscriber.Format.values:
            problems.append(f"format must be “html” or “text”, not “{fmt}”.")
        chosen_lists = []
        for slug in _split(row.get("lists", "")):
            if slug not in lists:
                problems.append(f"no newsletter called “{slug}”.")
            elif not lists[slug].is_active:
                problems.append(f"the newsletter “{slug}” is closed.")
            else:
                chosen_lists.append(lists[slug])
        if not chosen_lists and not _split(row.get("lists", "")):
            if default is None:
                problems.append("no list given and there is no default newsletter.")
            else:
                chosen_lists = [default]
        chosen_regions = []
        for slug in _split(row.get("regions", "")):
            (chosen_regions.append(regions[slug]) if slug in regions else problems.append(f"no region called “{slug}”."))
        chosen_topics = []
        for slug in _split(row.get("topics", "")):
            (chosen_topics.append(topics[slug]) if slug in topics else problems.append(f"no topic called “{slug}”."))
        consent_at = None
        if row.get("consent_at"):
            consent_at = _parse_when(row["consent_at"])
            if consent_at is None:
                problems.append(f"consent_at “{row['consent_at']}” is not a date; use e.g. 2025-03-01 or 2025-03-01T09:30:00+08:00.")
            elif consent_at > timezone.now():
                problems.append("consent_at is in the future.")
        if consent_at and not row.get("consent_text"):
            problems.append("consent_at is given but consent_text (the words they agreed to) is empty.")
        if row.get("consent_text") and not row.get("consent_at"):
            problems.append("consent_text is given but consent_at (when they agreed) is empty.")
        if problems:
            result.errors.extend((number, problem) for problem in problems)
            continue
        result.rows.append(
            ImportRow(
                line=number,
                email=email,
                format=fmt,
                lists=chosen_lists,
                regions=chosen_regions,
                topics=chosen_topics,
                consent_at=consent_at,
                consent_source=row.get("consent_source", "")[:250] or "CSV import",
                consent_text=row.get("consent_text", ""),
            )
        )
    if not result.rows and not result.errors:
        result.errors.append((0, "The file has no rows to import."))
    return result


def subscribers_import(*, rows: Iterable[ImportRow], send_confirmations: bool = False, by=None) -> ImportResult:
    """Write checked rows. Existing addresses gain lists; their state is never raised past consent.

    A bounced or complained address is left exactly as it is (no lists, no confirmation mail):
    a file is no proof the mailbox works again or wants our mail. Staff lift a suppression with
    its own admin action, which asks why.
    """
    from newsletter.tasks import send_confirmation

    result = ImportResult()
    now = timezone.now()
    with transaction.atomic():
        for row in rows:
            subscriber = selectors.subscriber_by_email(email=row.email)
            created = subscriber is None
            if not created and subscriber.is_suppressed:
                SubscriberEvent.objects.create(
                    subscriber=subscriber,
                    kind=SubscriberEvent.Kind.IMPORTED,
                    detail={"line": row.line, "lists": [n.slug for n in row.lists], "by": getattr(by, "username", ""), "suppressed": subscriber.state},
                )
                result.updated += 1
                result.suppressed += 1
                continue
            if created:
                subscriber = Subscriber(email=row.email, format=row.format)
            has_consent = row.consent_at is not None and bool(row.consent_text)
            if has_consent and (created or subscriber.state == Subscriber.State.PENDING):
                subscriber.state = Subscriber.State.ACTIVE
                subscriber.consent_at, subscriber.consent_text = row.consent_at, row.consent_text
                subscriber.consent_source = row.consent_source
                subscriber.confirmed_at = subscriber.confirmed_at or now
            subscriber.save()
            if created:
                subscriber.regions.set(row.regions)
                subscriber.topics.set(row.topics)
            list_state = Subscription.State.ACTIVE if subscriber.state == Subscriber.State.ACTIVE else Subscription.State.PENDING
            for newsletter in row.lists:
                subscription, made = Subscription.objects.get_or_create(
                    subscriber=subscriber, newsletter=newsletter, defaults={"state": list_state, "changed_at": now}
                )
                if not made and subscription.state == Subscription.State.PENDING and list_state == Subscription.State.ACTIVE:
                    subscription.state, subscription.changed_at = list_state, now
                    subscription.save(update_fields=["state", "changed_at"])
            SubscriberEvent.objects.create(
                subscriber=subscriber,
                kind=SubscriberEvent.Kind.IMPORTED,
                detail={"line": row.line, "lists": [n.slug for n in row.lists], "by": getattr(by, "username", ""), "consent": has_consent},
            )
            result.created += created
            result.updated += not created
            if subscriber.state == Subscriber.State.ACTIVE:
                result.active += 1
            elif subscriber.state == Subscriber.State.PENDING:
                result.pending += 1
                if send_confirmations and subscriber.confirmation_sent_at is None:
                    subscriber.confirmation_sent_at = now
                    subscriber.save(update_fields=["confirmation_sent_at"])
                    # Promised in the import's transaction: all or none of them.
                    outbox.promise(send_confirmation, subscriber.pk)
    return result
