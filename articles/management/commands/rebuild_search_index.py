"""Write the search document of every article again, in batches, printing progress.

Run it after loading articles without their services (bulk inserts, restores), or with
``--missing-only`` to index just the articles that have no document yet.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from articles import search


class Command(BaseCommand):
    help = "Rebuild the site search index (every article, or with --missing-only those not yet indexed)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000, help="Articles per batch (default 2000).")
        parser.add_argument(
            "--missing-only", action="store_true", help="Only index articles that have no search document yet."
        )

    def handle(self, *args, batch_size, missing_only, verbosity, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        say = self._say if verbosity >= 1 else None
        started = time.monotonic()
        if missing_only:
            written = search.index_missing(batch_size=batch_size, say=say)
        else:
            written = search.rebuild(batch_size=batch_size, say=say)
        self.stdout.write(
            f"Search index: {written:,} article{'s' if written != 1 else ''} written in {time.monotonic() - started:.1f} s."
        )

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
