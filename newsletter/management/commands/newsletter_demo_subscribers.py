from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from newsletter import selectors
from newsletter.models import Subscriber, Subscription

CONSENT = "Demo subscriber made for a local site."


class Command(BaseCommand):
    help = "Add N active demo subscribers (demo-0001@example.com …) to the default list, for trying sends locally."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--domain", default="example.com")

    def handle(self, *args, **options):
        newsletter = selectors.default_newsletter()
        if newsletter is None:
            raise CommandError("There is no active newsletter; add one in the admin first.")
        now = timezone.now()
        count = options["count"]
        emails = [f"demo-{i:06d}@{options['domain']}" for i in range(1, count + 1)]
        with transaction.atomic():
            existing = set(Subscriber.objects.filter(email__in=emails).values_list("email", flat=True))
            Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        email=email,
                        state=Subscriber.State.ACTIVE,
                        consent_at=now,
                        consent_source="demo data",
                        consent_text=CONSENT,
                        confirmed_at=now,
                    )
                    for email in emails
                    if email not in existing
                ],
                batch_size=1000,
            )
            ids = Subscriber.objects.filter(email__in=emails).values_list("pk", flat=True)
            Subscription.objects.bulk_create(
                [Subscription(subscriber_id=pk, newsletter=newsletter, state=Subscription.State.ACTIVE) for pk in ids],
                batch_size=1000,
                ignore_conflicts=True,
            )
        self.stdout.write(self.style.SUCCESS(f"{count} demo subscribers on {newsletter.name} ({len(existing)} already there)."))
