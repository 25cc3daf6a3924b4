"""The task queue (RQ on Redis) down: a comment or sign-up still succeeds, and its mail still goes out.

Runs in the PostgreSQL + Redis pass (RQ is installed only with REDIS_URL). Each test starts a
redis-server of its own on a free port, points the RQ task backend at it, and stops it to cause
the outage. The promise is on disk with the comment; the sweep that every worker runs delivers it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest
from django.core import mail
from django.urls import reverse

from articles.tests.factories import ArticleFactory
from comments.models import Comment
from comments.tests.helpers import form_data
from magazine import outbox, workers
from magazine.models import OutboxTask
from tests import tools

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="RQ runs only in the Redis pass: set REDIS_URL"),
    pytest.mark.django_db,
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis():
    tools.need("redis-server", "apt-get install redis-server")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)

    def stop():
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)

    yield port, stop
    stop()


@pytest.fixture
def rq_backend(settings, own_redis):
    port, stop = own_redis
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{port}/0", "SOCKET_TIMEOUT": 1}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    outbox._queue_failed_at = outbox._queue_down_since = None
    yield port, stop
    outbox._queue_failed_at = outbox._queue_down_since = None  # this process's memory of the outage


def test_with_the_queue_down_a_comment_is_accepted_and_its_receipt_is_sent_by_the_sweep(
    client, rq_backend, django_capture_on_commit_callbacks, caplog
):
    _, stop_redis = rq_backend
    article = ArticleFactory()
    stop_redis()
    with caplog.at_level("WARNING", logger="magazine.outbox"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("comments:post", args=[article.pk]), form_data(article), follow=True)
    assert response.status_code == 200
    comment = Comment.objects.get()
    promised = OutboxTask.objects.get(task_path="comments.tasks.send_comment_confirmation")
    assert promised.args == [comment.pk] and promised.state == OutboxTask.State.PENDING
    assert mail.outbox == []
    assert "Task queue unavailable" in caplog.text
    # A worker's sweep takes it up (the queue is still down).
    assert outbox.sweep(grace_seconds=0) == 1
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.DONE
    assert [m.to for m in mail.outbox] == [[comment.email]]


def test_with_the_queue_up_the_promise_is_rung_through_rq_and_run_by_an_rq_worker(rq_backend, django_capture_on_commit_callbacks):
    import django_rq
    from rq.worker import SimpleWorker

    from newsletter import services
    from newsletter.tests.factories import NewsletterFactory

    weekly = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.subscriber_sign_up(email="reader@example.org", newsletters=[weekly], source="test")
    promised = OutboxTask.objects.get()
    assert promised.state == OutboxTask.State.PENDING
    queue = django_rq.get_queue("default")
    assert queue.count == 1
    worker = django_rq.get_worker("default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker)
    worker.work(burst=True)
    promised.refresh_from_db()
    assert promised.state == OutboxTask.State.DONE
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    assert workers.sweep_once("after") == 0


def test_after_a_failure_the_queue_is_left_alone_for_a_moment_then_used_again(rq_backend, monkeypatch):
    import django_rq

    from newsletter import services
    from newsletter.tests.factories import NewsletterFactory

    port, stop_redis = rq_backend
    weekly = NewsletterFactory()
    stop_redis()
    first = services.subscriber_sign_up(email="one@example.org", newsletters=[weekly], source="test")
    row = OutboxTask.objects.get(args=[first.pk])
    assert outbox.ring(row.pk) is False  # refused: the port is closed
    clock = [outbox._queue_failed_at]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    assert outbox.ring(row.pk) is False  # not even tried within QUEUE_RETRY_SECONDS
    # Redis is back (a new server on the same port) and the pause is over: rings go through again.
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.time() < deadline
                time.sleep(0.05)
        clock[0] += outbox.QUEUE_RETRY_SECONDS + 1
        assert outbox.ring(row.pk) is True
        assert django_rq.get_queue("default").count == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
