"""What every task worker does besides running queued tasks: sweep, heartbeat, reclaim.

``manage.py worker`` runs the configured queue's worker (the database queue's, or RQ's) and,
beside it, a sweep every ``TASKS_SWEEP_SECONDS`` that:

- records that this worker is alive (``WorkerHeartbeat``; the health check reads it);
- runs promised work that is due and free (``magazine.outbox.sweep``): rows the queue never
  ran (Redis was down, a message was lost), retries that fell due, and rows whose worker died;
- marks as failed the database queue's tasks left RUNNING by a worker that died (SIGKILL),
  which would otherwise stay RUNNING for ever. The work they carried is in the outbox and is
  run again from there;
- forgets finished work, and autosaved article drafts nobody came back to (``prune_finished``).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from magazine import outbox
from magazine.models import OutboxTask, WorkerHeartbeat

logger = logging.getLogger(__name__)

LOST_TASK_CLASS = "magazine.workers.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it."""


def heartbeat(worker_id: str) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"pid": os.getpid(), "seen_at": now})


def live_workers(*, now=None) -> list[str]:
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=since).values_list("worker_id", flat=True))


def reclaim_lost_queue_tasks(*, now=None) -> int:
    """Mark as failed the database queue's RUNNING tasks whose worker is no longer seen."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = set(live_workers(now=now))
    started_before = now - timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    lost = [
        row.pk
        for row in DBTaskResult.objects.running().filter(started_at__lt=started_before).only("id", "worker_ids")
        if not row.worker_ids or row.worker_ids[-1] not in alive
    ]
    if not lost:
        return 0
    count = DBTaskResult.objects.filter(pk__in=lost, status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path=LOST_TASK_CLASS,
        traceback=(
            "The worker running this task stopped without finishing it (no heartbeat). "
            "Promised work it carried is run again from the outbox."
        ),
    )
    logger.warning("Marked %d task(s) left running by a stopped worker as failed", count)
    return count


def release_own_running(worker_id: str) -> int:
    """Mark as failed the queue tasks this worker left RUNNING when the database failed under it."""
    from django_tasks_db.models import DBTaskResult

    mine = [row.pk for row in DBTaskResult.objects.running().only("id", "worker_ids") if row.worker_ids[-1:] == [worker_id]]
    if not mine:
        return 0
    return DBTaskResult.objects.filter(pk__in=mine, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path=LOST_TASK_CLASS,
        traceback="The database failed while this task was being recorded. Promised work it carried is run again from the outbox.",
    )


def forget_old_workers(*, now=None) -> int:
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()[0]


def prune_finished(*, now=None, limit: int = 5000) -> int:
    """Forget promised work done (and database-queue results finished) over TASKS_KEEP_DAYS ago,
    and autosaved article drafts older than ``articles.autosave.KEEP_DAYS``.
    Failed promises stay until staff retry or delete them."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    before = now - timedelta(days=settings.TASKS_KEEP_DAYS)
    done = OutboxTask.objects.filter(state=OutboxTask.State.DONE, finished_at__lt=before)
    pruned = OutboxTask.objects.filter(pk__in=list(done.values_list("pk", flat=True)[:limit])).delete()[0]
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=before)
    pruned += DBTaskResult.objects.filter(pk__in=list(finished.values_list("pk", flat=True)[:limit])).delete()[0]
    # Draft copies of the article form are kept for a while after their editor left them.
    from articles.autosave import article_autosaves_prune

    pruned += article_autosaves_prune(now=now, limit=limit)
    return pruned


def sweep_once(worker_id: str) -> int:
    """One pass of the sweep; returns how many promised rows it ran."""
    heartbeat(worker_id)
    reclaim_lost_queue_tasks()
    ran = outbox.sweep()
    forget_old_workers()
    prune_finished()
    return ran


class Sweeper(threading.Thread):
    """The sweep, every ``interval`` seconds, in a thread of the worker process."""

    def __init__(self, worker_id: str, interval: float):
        super().__init__(name="outbox-sweeper", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopping = threading.Event()
        self._failing = False

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                sweep_once(self.worker_id)
                if self._failing:
                    logger.warning("Sweep works again")
                    self._failing = False
            except Exception:  # noqa: BLE001 — a locked or absent database: try again next round
                if not self._failing:
                    logger.warning("Sweep failed; retrying every %s s", self.interval, exc_info=True)
                    self._failing = True
            finally:
                connections.close_all()
            self.stopping.wait(self.interval)


def backlog(*, now=None) -> dict:
    """What the health check reports about background work."""
    now = now or timezone.now()
    overdue_after = now - timedelta(seconds=settings.TASKS_LEASE_SECONDS + settings.TASKS_SWEEP_SECONDS)
    pending = OutboxTask.objects.filter(state=OutboxTask.State.PENDING)
    oldest = pending.filter(run_after__lt=overdue_after).order_by("run_after").values_list("run_after", flat=True).first()
    newest_seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return {
        "workers": len(live_workers(now=now)),
        "last_seen": newest_seen,
        "overdue": pending.filter(run_after__lt=overdue_after).count(),
        "oldest_overdue": oldest,
        "failed": OutboxTask.objects.filter(state=OutboxTask.State.FAILED).count(),
    }
