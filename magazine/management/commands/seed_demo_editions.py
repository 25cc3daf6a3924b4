from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from magazine import demo_editions, services
from magazine.models import CityEdition, Edition


class Command(BaseCommand):
    help = (
        "Add demo print issues to the archive: a drawn cover and a short PDF for each demo city "
        "edition and each of the last --months months. Safe to run again: it only adds what is "
        "missing and never changes an issue staff made."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=6, help="How many past months get an issue (default 6).")

    def handle(self, *args, months: int, **options):
        today = timezone.localdate()
        added = 0
        for ordering, (name, slug) in enumerate(demo_editions.CITY_EDITIONS):
            city, _ = CityEdition.objects.get_or_create(slug=slug, defaults={"name": name, "ordering": ordering})
            have = set(Edition.objects.filter(city=city).values_list("issue_month", flat=True))
            for month in demo_editions.issue_months(today, max(months, 0)):
                if month in have:
                    continue
                edition = Edition(
                    city=city,
                    issue_month=month,
                    title=demo_editions.issue_title(month),
                    cover=ContentFile(demo_editions.cover_bytes(name, month), name=f"{slug}-{month:%Y-%m}.jpg"),
                    pdf=ContentFile(demo_editions.pdf_bytes(name, month), name=f"{slug}-{month:%Y-%m}.pdf"),
                )
                with transaction.atomic():
                    services.edition_save(edition=edition)
                added += 1
        total = Edition.objects.count()
        self.stdout.write(f"Print archive: {added} demo issue{'s' if added != 1 else ''} added; {total} in all.")
