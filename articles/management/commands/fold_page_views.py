"""Add the page views counted in the cache to the daily counts behind "Most read".

Run it every few minutes from cron (see README, "Running at scale"), or enqueue the
``articles.tasks.fold_page_views`` task. It needs the cache the web processes count in:
Redis (REDIS_URL); with the per-process local-memory cache it can see no one else's views.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.services import page_views_fold


class Command(BaseCommand):
    help = "Fold the page-view counters kept in the cache into the database (ArticleViewDay)."

    def handle(self, *args, **options):
        backend = settings.CACHES["default"]["BACKEND"]
        if backend.endswith("LocMemCache"):
            self.stderr.write(
                self.style.WARNING(
                    "The cache is the local-memory one, private to each process: this command cannot see "
                    "views counted by the web server. Set REDIS_URL so both share the counters."
                )
            )
        folded = page_views_fold()
        self.stdout.write(f"Folded {folded} page view{'' if folded == 1 else 's'}.")
