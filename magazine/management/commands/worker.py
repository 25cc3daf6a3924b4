"""Run background work: the configured task queue's worker, plus the sweep (magazine/workers.py).

    python manage.py worker

Without REDIS_URL this is the database queue's worker (django-tasks-db); with it, an RQ
worker (django-tasks-rq's job class, with RQ's scheduler for deferred tasks). Either way the
sweep runs beside it, so promised work that a dead worker, a lost message or a Redis outage
left behind is done within about ``TASKS_LEASE_SECONDS + TASKS_SWEEP_SECONDS``. Run as many
as you like, on as many machines: they share the work through leases. A queue that fails
(Redis down) is started again with backoff while the sweep carries on.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks import task_backends

from magazine import workers

logger = logging.getLogger("magazine.workers")


class Command(BaseCommand):
    help = "Run queued tasks and sweep the outbox for promised work left behind (one process per worker)."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", help="A name for this worker (default: host, pid and a random part).")
        parser.add_argument(
            "--sweep-seconds", type=float, default=None, help="Seconds between sweeps (default TASKS_SWEEP_SECONDS)."
        )
        parser.add_argument("--interval", type=float, default=0.5, help="Database queue: seconds between polls when idle.")

    def handle(self, *, worker_id, sweep_seconds, interval, **options):
        worker_id = (worker_id or f"{workers.outbox.worker_name()}:{os.getpid()}")[:64]
        sweeper = workers.Sweeper(worker_id, sweep_seconds or settings.TASKS_SWEEP_SECONDS)
        sweeper.start()
        backend = task_backends["default"]
        kind = type(backend).__module__
        logger.info("Worker %s starts (%s), sweeping every %s s", worker_id, type(backend).__name__, sweeper.interval)
        if kind.startswith("django_tasks_db"):
            self._run_database_queue(worker_id, interval)
        elif kind.startswith("django_tasks_rq"):
            self._run_rq(worker_id)
        else:
            # The immediate or dummy backend queues nothing: the sweep is all there is to do.
            sweeper.join()

    def _run_database_queue(self, worker_id: str, interval: float) -> None:
        from django.db import OperationalError
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        while worker.running:
            try:
                worker.run()
            except OperationalError as error:
                # The database is locked or gone for a moment: the queue and the outbox keep the work.
                logger.warning("Database queue: %s; polling again in 1 s", error)
                time.sleep(1)
                try:
                    workers.release_own_running(worker_id)
                except OperationalError:
                    pass  # still locked: the sweep of a later round releases them

    def _run_rq(self, worker_id: str) -> None:
        import redis
        from django_rq import get_worker
        from rq.worker import SimpleWorker

        wait = 1.0
        while True:
            try:
                # SimpleWorker runs jobs in this process (no fork per job): a kill stops the job with it.
                worker = get_worker("default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker, name=worker_id)
                worker.work(with_scheduler=True, logging_level=logging.getLevelName(logging.getLogger().level))
                if getattr(worker, "_stop_requested", False):
                    return
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as error:
                logger.warning("RQ: Redis is not answering (%s); the sweep carries on, retrying in %.0f s", error, wait)
            time.sleep(wait)
            wait = min(wait * 2, 30.0)
