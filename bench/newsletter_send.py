"""Send one newsletter issue to N subscribers through a real SMTP server and print the rate.

    .venv/bin/python bench/newsletter_send.py                      # 100,000 subscribers
    .venv/bin/python bench/newsletter_send.py --subscribers 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/newsletter_send.py

The mails go through the real path (send_start → prepare_send → deliver_batch: claimed
batches, one SMTP connection per batch, one mark per mail) to an aiosmtpd sink on
127.0.0.1 in a separate process, so the SMTP conversation is real and the sink does not
share this process's memory or CPU. Tasks run in-process (the immediate backend), one batch
after another, which is what one worker does.

It prints mails per second, how many times the mail's CSS was inlined (once per issue, not
once per mail: each mail only gets its own links put into the inlined layout; the run fails
otherwise), and the peak memory of this process: peak RSS before and after
sending, and with --tracemalloc the peak Python allocation during the send (slower). Memory
stays flat as N grows because recipients are streamed in chunks and only one batch of rows
is held at a time.

Without DATABASE_URL (or with a SQLite one) the run uses a new SQLite file in a temporary
folder. With a PostgreSQL DATABASE_URL it creates a database named ``magazine_bench_newsletter``
on that server and drops it afterwards. REDIS_URL is ignored.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import support  # bench/support.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "magazine_bench_newsletter"








class _CountingInliner:
    """Stands in for newsletter.emails' CSS inliner: counts and times the real inlining."""

    def __init__(self, inliner):
        self.inliner, self.calls, self.seconds = inliner, 0, 0.0

    def inline(self, html: str) -> str:
        started = time.perf_counter()
        try:
            return self.inliner.inline(html)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - started


def _picture(image_factory, create_renditions):
    image = image_factory()
    create_renditions(image)
    image.refresh_from_db()
    return image


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="newsletter-bench-")
    database_url, postgres = support.fresh_database(workdir, BENCH_DATABASE)

    port = support.free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "TESTING": "1",  # the immediate task backend; no SECRET_KEY needed
            "DEBUG": "",  # DEBUG keeps every query in memory, which would hide a leak
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "NEWSLETTER_BATCH_SIZE": str(options.batch_size),
            "SITE_URL": "https://magazine.example",
            "MEDIA_ROOT": workdir,
            "REDIS_URL": "",
            "DJANGO_SETTINGS_MODULE": "magazine.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    try:
        support.wait_for_port(port)
        return _run(options)
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if postgres:
            support.postgres(database_url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
        shutil.rmtree(workdir, ignore_errors=True)


def _run(options) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from articles.renditions import create_renditions
    from articles.tests.factories import ArticleFactory, ImageFactory
    from newsletter import emails, services
    from newsletter.models import Delivery, Newsletter, Send, Subscriber, Subscription

    call_command("migrate", verbosity=0, interactive=False)
    n = options.subscribers
    newsletter = Newsletter.objects.get(slug="7-days-in-china")
    started = time.perf_counter()
    now = timezone.now()
    chunk = 5000
    for first in range(0, n, chunk):
        with transaction.atomic():
            made = Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        email=f"reader{i:07d}@example.org",
                        state=Subscriber.State.ACTIVE,
                        consent_at=now,
                        consent_text="bench",
                        confirmed_at=now,
                    )
                    for i in range(first, min(first + chunk, n))
                ]
            )
            Subscription.objects.bulk_create(
                [Subscription(subscriber_id=s.pk, newsletter=newsletter, state=Subscription.State.ACTIVE) for s in made]
            )
    setup_seconds = time.perf_counter() - started
    send = services.send_create(
        newsletter=newsletter,
        subject="This week in the city",
        intro="The week's best stories.\n\nRead on.",
        articles=[ArticleFactory(title=f"Story {i}", hero_image=_picture(ImageFactory, create_renditions)) for i in range(6)],
    )
    inliner = _CountingInliner(emails._INLINER)
    emails._INLINER = inliner
    rss_before = _rss_mb()
    if options.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    with transaction.atomic():
        services.send_start(send=send)  # on commit: prepare_send, then every batch, in this process
    seconds = time.perf_counter() - started
    traced = None
    if options.tracemalloc:
        traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    send.refresh_from_db()
    sent = Delivery.objects.filter(send=send, state=Delivery.State.SENT).count()
    other = Delivery.objects.filter(send=send).exclude(state=Delivery.State.SENT).count()
    engine = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    print(f"newsletter send: {n:,} subscribers on {engine}, batches of {options.batch_size}, aiosmtpd sink")
    print(f"  setup (subscribers)  {setup_seconds:8.1f} s")
    print(f"  send                 {seconds:8.1f} s   {sent / seconds:8.0f} mails/s   sent {sent:,}, not sent {other:,}, status {send.status}")
    print(f"  CSS inlined          {inliner.calls:8d} time(s) for {sent:,} mails ({inliner.seconds * 1000:.1f} ms in all)")
    print(f"  peak RSS             {rss_before:8.1f} MB before sending, {_rss_mb():.1f} MB after")
    if traced is not None:
        print(f"  peak traced (send)   {traced:8.1f} MB")
    return 0 if sent == n and send.status == Send.Status.SENT and inliner.calls == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
