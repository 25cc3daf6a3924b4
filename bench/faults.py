"""Send a newsletter issue while killing the worker with SIGKILL, and count what arrived.

    bench/faults                                  # 5,000 mails, 12 kills (3 during preparation)
    bench/faults --mails 400 --kills 4 --prepare-kills 1
    bench/faults --lock-seconds 3                 # also hold the SQLite database locked during preparation
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 bench/faults

What runs is what production runs: ``manage.py worker`` as a separate process (the database
queue, or RQ when REDIS_URL is given, on a redis-server this command starts on a free port of
its own), sending over SMTP to an aiosmtpd sink in this process. The send is started through
``send_start`` as the admin does. Then the worker is killed with SIGKILL (its whole process
group) at random moments and started again: the first kills land while the delivery rows are
being made (preparation), the others while mails go out. Leases are short (3 s) so the bench
is quick; production's default is about a minute.

It prints mails received by the sink, unique recipients, duplicates and missing. Missing must
be 0. A duplicate is possible only when a kill lands after the SMTP server accepted a mail and
before the worker marked its row sent; the bench checks, right after each kill, whether that
happened (a recipient the sink has but whose row is not marked), and allows one duplicate per
such kill. It also reports the database queue's tasks left RUNNING at the end (must be 0).
Exit status 0 when every check holds.

Without DATABASE_URL (or with a SQLite one) it uses a new SQLite file in a temporary folder;
with a PostgreSQL one it creates a database (``--database-name``) on that server and drops it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import support  # bench/support.py, beside this script

ROOT = Path(__file__).resolve().parent.parent








class Sink:
    """An SMTP server that records every recipient it accepted, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self.recipients)


class Worker:
    """``manage.py worker`` in a process group of its own, so SIGKILL takes all of it."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log = open(log_path, "ab")  # noqa: SIM115 — kept open for the worker's life
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.process = None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=5000, help="subscribers, so mails to send (default 5,000)")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs in all (default 12)")
    parser.add_argument("--prepare-kills", type=int, default=3, help="of which during preparation (default 3)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--prepare-chunk", type=int, default=100, help="delivery rows made per transaction")
    parser.add_argument("--lease", type=float, default=3.0, help="TASKS_LEASE_SECONDS for the worker")
    parser.add_argument("--lock-seconds", type=float, default=0.0, help="SQLite: hold the database locked this long during preparation")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-name", default="magazine_bench_faults", help="PostgreSQL database to create and drop")
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)

    workdir = Path(tempfile.mkdtemp(prefix="faults-bench-"))
    database_url, postgres = support.fresh_database(workdir, options.database_name)

    redis_process = None
    redis_url = ""
    if os.environ.get("REDIS_URL"):
        redis_port = support.free_port()
        redis_process = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        support.wait_for_port(redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"

    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp_port = support.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "magazine.settings",
        "SECRET_KEY": "faults-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "",
        "TESTING": "",
        "SITE_URL": "https://magazine.example",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "5",
        "NEWSLETTER_BATCH_SIZE": str(options.batch_size),
        "NEWSLETTER_PREPARE_CHUNK": str(options.prepare_chunk),
        "TASKS_LEASE_SECONDS": str(options.lease),
        "TASKS_SWEEP_SECONDS": "0.5",
        "TASKS_RETRY_BASE_SECONDS": "0.5",
        "TASKS_RETRY_MAX_SECONDS": "2",
        # With --lock-seconds the worker waits less for SQLite's lock than the lock is held, so it
        # meets "database is locked"; long enough that its own threads' ordinary waits never do.
        "SQLITE_TIMEOUT": str(max(options.lock_seconds / 2, 0.1)) if options.lock_seconds else os.environ.get("SQLITE_TIMEOUT", "20"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    worker = Worker(env, workdir / "worker.log")
    try:
        return _run(options, rng, worker, sink, env, workdir, postgres, bool(redis_url))
    finally:
        worker.stop()
        controller.stop()
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if postgres:
            support.postgres(database_url, f'DROP DATABASE IF EXISTS "{options.database_name}"')
        shutil.rmtree(workdir, ignore_errors=True)


def _run(options, rng, worker, sink, env, workdir, postgres, rq) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from articles.tests.factories import ArticleFactory
    from magazine.models import OutboxTask
    from newsletter import services
    from newsletter.models import Delivery, Newsletter, Send, Subscriber, Subscription

    call_command("migrate", verbosity=0, interactive=False)
    newsletter = Newsletter.objects.get(slug="7-days-in-china")
    now = timezone.now()
    with transaction.atomic():
        made = Subscriber.objects.bulk_create(
            [
                Subscriber(email=f"reader{i:06d}@example.org", state="active", consent_at=now, confirmed_at=now)
                for i in range(options.mails)
            ]
        )
        Subscription.objects.bulk_create(
            [Subscription(subscriber_id=s.pk, newsletter=newsletter, state=Subscription.State.ACTIVE) for s in made]
        )
    expected = {s.email for s in made}
    send = services.send_create(
        newsletter=newsletter, subject="This week in the city", intro="The week's stories.", articles=[ArticleFactory()]
    )
    engine = "PostgreSQL" if postgres else "SQLite"
    queue = "RQ on Redis" if rq else "database queue"
    print(
        f"faults: {options.mails:,} mails on {engine} + {queue}, batches of {options.batch_size}, "
        f"{options.kills} SIGKILLs ({options.prepare_kills} during preparation), lease {options.lease:g} s"
    )
    started = time.monotonic()
    deadline = started + options.timeout
    kills = prepare_kills = window_kills = 0
    unmarked_seen: set[str] = set()

    def marked() -> set[str]:
        return set(
            Delivery.objects.filter(send=send, state=Delivery.State.SENT).values_list("subscriber__email", flat=True)
        )

    def killed(during_preparation: bool) -> None:
        nonlocal kills, prepare_kills, window_kills
        worker.kill()
        kills += 1
        prepare_kills += during_preparation
        # A mail the worker finished sending just before it died may still be in the sink's hands.
        time.sleep(0.5)
        unmarked = set(sink.snapshot()) - marked()
        new = unmarked - unmarked_seen
        window_kills += bool(new)
        unmarked_seen.update(new)

    def sent_count() -> int:
        return Delivery.objects.filter(send=send, state=Delivery.State.SENT).count()

    worker.start()
    with transaction.atomic():
        services.send_start(send=send)
    lock_done = not options.lock_seconds or postgres
    # Kills during preparation: wait until rows are being made and the send is not yet prepared.
    while prepare_kills < options.prepare_kills and time.monotonic() < deadline:
        rows = Delivery.objects.filter(send=send).count()
        prepared = Send.objects.filter(pk=send.pk, prepared_at__isnull=False).exists()
        if prepared:
            break
        if rows > 0 and not lock_done:
            # A long writer holds the database while rows are being made: the worker's next write
            # fails with "database is locked"; the preparation must be retried, not lost.
            _hold_sqlite_lock(env["DATABASE_URL"], options.lock_seconds)
            lock_done = True
            # The worker meets the lock meanwhile ("database is locked" after SQLITE_TIMEOUT); while
            # the lock is still held the preparation cannot finish, so this kill lands during it.
            time.sleep(options.lock_seconds * 0.9)
            killed(during_preparation=not Send.objects.filter(pk=send.pk, prepared_at__isnull=False).exists())
            worker.start()
            continue
        if rows > 0:
            time.sleep(rng.uniform(0, 0.02))
            still_preparing = not Send.objects.filter(pk=send.pk, prepared_at__isnull=False).exists()
            killed(during_preparation=still_preparing)
            worker.start()
            # Wait for the reclaimed preparation to make progress again before the next kill.
            while time.monotonic() < deadline and Delivery.objects.filter(send=send).count() == rows:
                if Send.objects.filter(pk=send.pk, prepared_at__isnull=False).exists():
                    break
                time.sleep(0.002)
        else:
            time.sleep(0.002)
    # Kills while mails go out: at a random moment after each restart has sent something.
    while kills < options.kills and time.monotonic() < deadline:
        if Send.objects.filter(pk=send.pk, status=Send.Status.SENT).exists():
            break
        before = sent_count()
        while sent_count() == before and time.monotonic() < deadline:
            if Send.objects.filter(pk=send.pk, status=Send.Status.SENT).exists():
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        killed(during_preparation=False)
        worker.start()
    while time.monotonic() < deadline and not Send.objects.filter(pk=send.pk, status=Send.Status.SENT).exists():
        time.sleep(0.1)
    # Let the sweep of the running worker settle the queue's orphaned tasks.
    settle = time.monotonic() + options.lease + 3
    while time.monotonic() < settle and DBTaskResult.objects.running().exists():
        time.sleep(0.2)
    seconds = time.monotonic() - started
    worker.stop()

    received = sink.snapshot()
    unique = set(received)
    duplicates = len(received) - len(unique)
    missing = len(expected - unique)
    status = Send.objects.get(pk=send.pk).status
    running_left = DBTaskResult.objects.running().count()
    failed_promises = OutboxTask.objects.filter(state=OutboxTask.State.FAILED).count()
    print(f"  kills                {kills} ({prepare_kills} during preparation, {window_kills} between accept and mark)")
    print(f"  received             {len(received):,}")
    print(f"  unique               {len(unique):,}")
    print(f"  duplicates           {duplicates:,} (allowed: {window_kills})")
    print(f"  missing              {missing:,}")
    print(f"  send status          {status} after {seconds:.1f} s")
    print(f"  queue tasks running  {running_left} (left RUNNING by killed workers: must be 0)")
    print(f"  failed promises      {failed_promises}")
    if options.lock_seconds and not postgres:
        locked = "database is locked" in (workdir / "worker.log").read_text(errors="replace")
        print(f"  database locked      {options.lock_seconds:g} s during preparation; the worker saw it: {'yes' if locked else 'no'}")
    problems = []
    if missing:
        problems.append(f"{missing} missing")
    if duplicates > window_kills:
        problems.append(f"{duplicates} duplicates for {window_kills} kills between accept and mark")
    if kills < options.kills:
        problems.append(f"only {kills} kills landed before the send finished")
    if prepare_kills < options.prepare_kills:
        problems.append(f"only {prepare_kills} kills landed during preparation")
    if status != Send.Status.SENT:
        problems.append(f"send is {status}")
    if running_left and not rq:
        problems.append(f"{running_left} queue tasks left RUNNING")
    if failed_promises:
        problems.append(f"{failed_promises} promised tasks failed")
    print("  verdict              " + ("ok" if not problems else "FAILED: " + "; ".join(problems)))
    if problems:
        print("  worker log: last lines")
        lines = (workdir / "worker.log").read_text(errors="replace").splitlines()[-15:]
        for line in lines:
            print("    " + line)
    return 0 if not problems else 1


def _hold_sqlite_lock(database_url: str, seconds: float) -> None:
    """Take SQLite's write lock from another connection for ``seconds``, as a long writer would."""
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release():
        time.sleep(seconds)
        holder.execute("ROLLBACK")
        holder.close()

    threading.Thread(target=release, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
