"""Promised work: written with the promise, run once, retried with backoff, reclaimed after a dead worker."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.tests.factories import ArticleFactory, UserFactory
from comments.models import Comment, CommentPolicy
from comments.services import comment_approve
from comments.tests.factories import CommentFactory
from magazine import outbox, workers
from magazine.models import OutboxTask, WorkerHeartbeat
from newsletter import services as newsletter_services
from newsletter.models import Subscriber
from newsletter.tests.factories import NewsletterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://magazine.example"
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0


@pytest.fixture
def weekly_list(db):
    return NewsletterFactory(name="The week", slug="the-week")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def smtp_refused(settings):
    """Mail goes to an SMTP port where nothing listens: every attempt is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    return settings


def test_a_rolled_back_action_promises_nothing(weekly_list):
    with pytest.raises(RuntimeError), transaction.atomic():
        newsletter_services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly_list], source="test")
        raise RuntimeError("the request failed after the sign-up")
    assert not Subscriber.objects.exists()
    assert not OutboxTask.objects.exists()


def test_sign_up_and_its_confirmation_mail_are_promised_together(weekly_list, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        newsletter_services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly_list], source="test")
    promised = OutboxTask.objects.get()
    assert promised.task_path == "newsletter.tasks.send_confirmation"
    assert promised.state == OutboxTask.State.DONE and promised.attempts == 1
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


def test_refused_smtp_is_retried_with_backoff_then_failed_and_staff_can_retry(
    weekly_list, smtp_refused, admin_client, django_capture_on_commit_callbacks
):
    smtp_refused.TASKS_MAX_ATTEMPTS = 2
    newsletter_services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly_list], source="test")
    promised = OutboxTask.objects.get()
    assert outbox.execute(promised.pk) == "retry"
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.PENDING and promised.attempts == 1
    assert "ConnectionRefusedError" in promised.last_error
    assert promised.run_after >= timezone.now() + timedelta(seconds=smtp_refused.TASKS_RETRY_BASE_SECONDS - 2)
    # Not due yet: neither a doorbell nor a sweep runs it early.
    assert outbox.execute(promised.pk) == "skipped"
    assert workers.sweep_once("test-worker") == 0
    OutboxTask.objects.filter(pk=promised.pk).update(run_after=timezone.now() - timedelta(minutes=5))
    assert workers.sweep_once("test-worker") == 1
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.FAILED and promised.attempts == 2
    # Staff retry it from the admin once the mail server is back.
    smtp_refused.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:magazine_outboxtask_changelist") + "?state__exact=failed",
            {"action": "retry_failed", "_selected_action": [promised.pk]},
            follow=True,
        )
    assert "1 failed task queued again." in response.content.decode()
    assert "had not failed" not in response.content.decode()
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.DONE
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


def test_the_backoff_doubles_and_is_capped(settings):
    settings.TASKS_RETRY_BASE_SECONDS, settings.TASKS_RETRY_MAX_SECONDS = 10, 60
    assert [outbox.backoff(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_work_held_by_a_dead_worker_is_taken_again_once_its_lease_lapses(weekly_list):
    newsletter_services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly_list], source="test")
    promised = OutboxTask.objects.get()
    # A worker claimed it and was killed before finishing: that is all a SIGKILL leaves behind.
    assert outbox.claim(promised.pk) is not None
    OutboxTask.objects.filter(pk=promised.pk).update(run_after=timezone.now() - timedelta(minutes=5))
    assert workers.sweep_once("test-worker") == 0  # the lease is fresh: the worker may still be alive
    assert mail.outbox == []
    OutboxTask.objects.filter(pk=promised.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert workers.sweep_once("test-worker") == 1
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.DONE and promised.attempts == 2
    assert len(mail.outbox) == 1
    assert workers.sweep_once("test-worker") == 0  # done work is never run again


def test_a_promise_the_queue_never_ran_is_run_by_the_sweep_after_the_grace(weekly_list, settings):
    newsletter_services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly_list], source="test")
    assert workers.sweep_once("test-worker") == 0  # fresh: the queue's to run
    OutboxTask.objects.update(run_after=timezone.now() - timedelta(seconds=settings.TASKS_SWEEP_SECONDS + 1))
    assert workers.sweep_once("test-worker") == 1
    assert len(mail.outbox) == 1


def test_a_reply_is_notified_once_however_often_it_is_approved(django_capture_on_commit_callbacks):
    moderator = UserFactory(is_staff=True, is_superuser=True)
    article = ArticleFactory()
    parent = CommentFactory(article=article, email="parent@example.org", notify_replies=True, confirmed_at=timezone.now())
    reply = CommentFactory(article=article, parent=parent, root=parent, depth=1, state=Comment.State.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=reply, by=moderator)
    Comment.objects.filter(pk=reply.pk).update(state=Comment.State.PENDING, reply_notified_at=None)
    reply.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=reply, by=moderator)
    assert OutboxTask.objects.filter(task_path="comments.tasks.send_reply_notification").count() == 1
    assert [m.to for m in mail.outbox if "replied" in m.subject] == [["parent@example.org"]]


def test_a_comment_and_its_receipt_are_promised_together(client, django_capture_on_commit_callbacks):
    CommentPolicy.objects.update_or_create(pk=1, defaults={"mode": CommentPolicy.Mode.HOLD_ALL, "enabled": True})
    article = ArticleFactory()
    from comments.tests.helpers import form_data

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("comments:post", args=[article.pk]), form_data(article))
    assert response.status_code in (200, 302)
    comment = Comment.objects.get()
    promised = OutboxTask.objects.get(task_path="comments.tasks.send_comment_confirmation")
    assert promised.args == [comment.pk] and promised.state == OutboxTask.State.DONE
    assert len(mail.outbox) == 1


def test_queue_tasks_left_running_by_a_dead_worker_are_marked_failed(settings):
    old = timezone.now() - timedelta(seconds=settings.TASKS_LEASE_SECONDS + 5)
    WorkerHeartbeat.objects.create(worker_id="alive", pid=1, seen_at=timezone.now())

    def running(worker_id):
        return DBTaskResult.objects.create(
            status="RUNNING",
            args_kwargs={"args": [1], "kwargs": {}},
            task_path="magazine.outbox.run_outbox_task",
            backend_name="default",
            run_after=old,
            started_at=old,
            worker_ids=[worker_id],
        )

    dead, alive = running("killed-with-sigkill"), running("alive")
    assert workers.reclaim_lost_queue_tasks() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "FAILED" and dead.exception_class_path == workers.LOST_TASK_CLASS
    assert alive.status == "RUNNING"


def test_the_sweep_records_the_worker_as_alive():
    workers.sweep_once("worker-a")
    assert workers.live_workers() == ["worker-a"]
    assert workers.backlog()["workers"] == 1


def test_done_work_is_forgotten_after_the_keeping_time_and_failed_work_stays(settings):
    long_ago = timezone.now() - timedelta(days=settings.TASKS_KEEP_DAYS + 1)
    old_done = OutboxTask.objects.create(task_path="x.y", state=OutboxTask.State.DONE, finished_at=long_ago)
    recent_done = OutboxTask.objects.create(task_path="x.y", state=OutboxTask.State.DONE, finished_at=timezone.now())
    old_failed = OutboxTask.objects.create(task_path="x.y", state=OutboxTask.State.FAILED, finished_at=long_ago)
    workers.sweep_once("test-worker")
    assert set(OutboxTask.objects.values_list("pk", flat=True)) == {recent_done.pk, old_failed.pk}
    assert not OutboxTask.objects.filter(pk=old_done.pk).exists()


def test_healthz_says_when_promised_work_waits_for_a_worker_and_when_it_failed(client, settings):
    assert client.get("/healthz").json()["tasks"] == "ok"
    late = timezone.now() - timedelta(seconds=settings.TASKS_LEASE_SECONDS + settings.TASKS_SWEEP_SECONDS + 30)
    OutboxTask.objects.create(task_path="newsletter.tasks.send_confirmation", args=[1], run_after=late)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"].startswith("error: 1 promised task(s) overdue")
    assert "no worker seen lately" in response.json()["tasks"]
    OutboxTask.objects.update(state=OutboxTask.State.FAILED)
    assert "failed for good" in client.get("/healthz").json()["tasks"]


def test_retrying_from_the_admin_says_which_selected_tasks_had_not_failed(admin_client):
    failed = OutboxTask.objects.create(task_path="magazine.workers.forget_old_workers", state=OutboxTask.State.FAILED)
    done = OutboxTask.objects.create(task_path="x.y", state=OutboxTask.State.DONE, finished_at=timezone.now())
    response = admin_client.post(
        reverse("admin:magazine_outboxtask_changelist"),
        {"action": "retry_failed", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )
    assert "1 failed task queued again. 1 of the selected had not failed and were left as they are." in (
        response.content.decode()
    )
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (OutboxTask.State.PENDING, 0)
