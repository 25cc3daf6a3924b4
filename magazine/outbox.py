"""Promised work: a row written in the same transaction as the promise, done by a worker, exactly once.

When the site promises someone something that happens later (a confirmation mail, a reply
notification, a newsletter send, image renditions), the service calls
``promise("comments.tasks.send_comment_confirmation", comment.pk)`` inside its own transaction.
That writes an ``OutboxTask`` row: if the transaction rolls back, nothing was promised; if it
commits, the promise is on disk, whatever happens to the task queue afterwards.

After the commit the queue is asked to run the row at once (``run_outbox_task``, through the
Tasks API: the database queue or RQ). That is only a doorbell: if Redis is down or the message
is lost, nothing is lost with it. A worker runs a row only after *claiming* it, with a lease of
``TASKS_LEASE_SECONDS``; the row is marked done right after the work returns. A worker killed
at any instant (SIGKILL, power loss) leaves a row whose lease lapses, and every worker's
sweeper (``manage.py worker``, every ``TASKS_SWEEP_SECONDS``) claims such rows again and runs
them. A failure (SMTP down, database locked, a bug) is retried with exponential backoff, up to
``TASKS_MAX_ATTEMPTS``; then the row is marked failed, and staff can retry it from the admin.

Work longer than a lease calls ``renew()`` as it goes (a newsletter batch does, per mail).
A kill after the work's effect but before the row is marked (a mail accepted by the SMTP
server, then SIGKILL) repeats that effect once: that is the only duplicate this allows.
"""

from __future__ import annotations

import contextvars
import logging
import socket
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task

from magazine.logs import NO_REQUEST, current_request_id, request_id_context
from magazine.models import OutboxTask

logger = logging.getLogger(__name__)

_claim: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar("outbox_claim", default=None)
_queue_down_since: float | None = None
_queue_failed_at: float | None = None
# After the queue failed, promises are not rung for this long (the sweep runs them meanwhile).
QUEUE_RETRY_SECONDS = 5.0


def lease() -> timedelta:
    return timedelta(seconds=settings.TASKS_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: the base doubled per attempt made, capped."""
    seconds = settings.TASKS_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.TASKS_RETRY_MAX_SECONDS))


def task_path(work) -> str:
    if isinstance(work, str):
        return work
    if isinstance(work, Task):
        return work.module_path
    return f"{work.__module__}.{work.__qualname__}"


def promise(work, *args, key: str = "", run_after: datetime | None = None) -> OutboxTask | None:
    """Record ``work(*args)`` to be done after the current transaction commits.

    ``work`` is a task (``@task()``), a function, or its dotted path; ``args`` must be JSON.
    ``key`` makes the promise unique: a second promise with the same key is not recorded
    (returns None), e.g. one reply notification per reply, whoever approves it how often.
    ``run_after`` defers the work (a scheduled send).
    """
    now = timezone.now()
    # The id of the request (or of the task) making the promise: the work logs under it too.
    request_id = current_request_id()
    row = OutboxTask(
        task_path=task_path(work),
        args=list(args),
        key=key,
        run_after=run_after or now,
        request_id="" if request_id == NO_REQUEST else request_id,
    )
    if key:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            return None
    else:
        row.save()
    pk, when = row.pk, row.run_after
    transaction.on_commit(lambda: ring(pk, when))
    return row


def ring(pk: int, when: datetime | None = None) -> bool:
    """Ask the task queue to run row ``pk`` (at ``when``). False when the queue did not take it:
    the row stays on disk and a worker's sweeper runs it."""
    global _queue_down_since, _queue_failed_at
    if _queue_failed_at is not None and time.monotonic() - _queue_failed_at < QUEUE_RETRY_SECONDS:
        return False  # the queue failed a moment ago: leave the row to the sweep rather than wait again
    try:
        runner = run_outbox_task
        if when is not None and when > timezone.now() + timedelta(seconds=1):
            if not runner.get_backend().supports_defer:
                return False
            runner = runner.using(run_after=when)
        runner.enqueue(pk)
    except Exception as error:  # noqa: BLE001 — the queue is an accelerator; the row is the promise
        _queue_failed_at = time.monotonic()
        if _queue_down_since is None:
            logger.warning(
                "Task queue unavailable (%s: %s); promised work waits in the outbox for the workers' sweep",
                type(error).__name__,
                error,
            )
            _queue_down_since = _queue_failed_at
        return False
    _queue_failed_at = None
    if _queue_down_since is not None:
        logger.warning("Task queue takes work again after %.0f s", time.monotonic() - _queue_down_since)
        _queue_down_since = None
    return True


def _due(now: datetime):
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return OutboxTask.objects.filter(state=OutboxTask.State.PENDING, run_after__lte=now).filter(free)


def claim(pk: int, *, now: datetime | None = None) -> str | None:
    """Lease row ``pk`` to a new token if it is due and free; None when it is not."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        _due(now)
        .filter(pk=pk)
        .update(claimed_by=token, lease_until=now + lease(), attempts=F("attempts") + 1, started_at=now)
    )
    return token if claimed else None


def renew() -> None:
    """Extend the lease of the row being run, for work that can take longer than one lease."""
    current = _claim.get()
    if current is None:
        return
    pk, token = current
    OutboxTask.objects.filter(pk=pk, claimed_by=token, state=OutboxTask.State.PENDING).update(
        lease_until=timezone.now() + lease()
    )


def execute(pk: int) -> str:
    """Claim row ``pk`` and do its work. Returns what happened: done, retry, failed or skipped."""
    token = claim(pk)
    if token is None:
        return "skipped"
    row = OutboxTask.objects.get(pk=pk)
    with request_id_context(row.request_id):
        return _run(row, token)


def _run(row: OutboxTask, token: str) -> str:
    """Do claimed ``row``'s work, logging under the id of the request that promised it."""
    started = time.monotonic()
    logger.info("Promised task %s started (attempt %d)", row.work, row.attempts)
    context_token = _claim.set((row.pk, token))
    try:
        work = import_string(row.task_path)
        if isinstance(work, Task):
            work.call(*row.args)
        else:
            work(*row.args)
    except Exception as error:  # noqa: BLE001 — recorded on the row and retried with backoff
        return _record_failure(row, token, error)
    finally:
        _claim.reset(context_token)
    OutboxTask.objects.filter(pk=row.pk, claimed_by=token).update(
        state=OutboxTask.State.DONE, finished_at=timezone.now(), lease_until=None, last_error=""
    )
    logger.info("Promised task %s done in %.3f s", row.work, time.monotonic() - started)
    return "done"


def _record_failure(row: OutboxTask, token: str, error: Exception) -> str:
    message = f"{type(error).__name__}: {error}"[:500]
    attempts = row.attempts  # claim() counted this attempt
    if attempts >= settings.TASKS_MAX_ATTEMPTS:
        logger.error("Promised task %s %s failed for good after %d attempts: %s", row.task_path, row.args, attempts, message)
        OutboxTask.objects.filter(pk=row.pk, claimed_by=token).update(
            state=OutboxTask.State.FAILED, finished_at=timezone.now(), lease_until=None, last_error=message
        )
        return "failed"
    when = timezone.now() + backoff(attempts)
    logger.warning("Promised task %s %s failed (attempt %d), retrying at %s: %s", row.task_path, row.args, attempts, when, message)
    OutboxTask.objects.filter(pk=row.pk, claimed_by=token).update(
        lease_until=None, claimed_by="", run_after=when, last_error=message
    )
    pk = row.pk
    transaction.on_commit(lambda: ring(pk, when))
    return "retry"


@task()
def run_outbox_task(pk: int) -> str:
    """The doorbell: run one promised row now (if nobody else holds it)."""
    return execute(pk)


def sweep(*, limit: int = 100, grace_seconds: float | None = None) -> int:
    """Run promised rows that are due and free: never rung, lost by the queue, retries that fell
    due, and rows whose worker died (lease lapsed). Returns how many were run."""
    grace = settings.TASKS_SWEEP_SECONDS if grace_seconds is None else grace_seconds
    now = timezone.now()
    # Rows fresh from a promise are the queue's to run; the sweep takes them only if it did not.
    ids = list(
        _due(now)
        .filter(Q(run_after__lte=now - timedelta(seconds=grace)) | Q(lease_until__isnull=False))
        .order_by("run_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    ran = 0
    for pk in ids:
        if execute(pk) != "skipped":
            ran += 1
    return ran


def retry(*, ids) -> int:
    """Staff: run failed rows again from their first attempt."""
    failed = list(OutboxTask.objects.filter(pk__in=ids, state=OutboxTask.State.FAILED).values_list("pk", flat=True))
    OutboxTask.objects.filter(pk__in=failed).update(
        state=OutboxTask.State.PENDING, attempts=0, run_after=timezone.now(), lease_until=None, claimed_by="", finished_at=None
    )
    for pk in failed:
        transaction.on_commit(lambda pk=pk: ring(pk))
    return len(failed)


def worker_name() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
