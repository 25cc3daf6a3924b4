"""Log lines as JSON, each with the id of its request; promised work logs under the id of the
request that promised it."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from magazine.logs import JsonFormatter, RequestIdFilter
from magazine.models import OutboxTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the root logger writes in the production format, as parsed JSON objects."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def test_a_sane_request_id_is_kept_and_sent_back(client, json_lines):
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="edge-4f9c2a.17")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-4f9c2a.17"
    not_found = [line for line in json_lines() if line["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == "edge-4f9c2a.17"
    assert not_found[0]["level"] == "WARNING" and "/no/such/page/" in not_found[0]["message"]


@pytest.mark.parametrize("sent", ["", "has space", "quote\"d", "x" * 129, "-leading-dash", "new\nline", "中文"])
def test_an_odd_request_id_is_replaced_by_a_new_one(client, sent, json_lines):
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID=sent)
    made = response["X-Request-ID"]
    assert made != sent and len(made) == 32 and made.isalnum()
    assert {line["request_id"] for line in json_lines()} == {made}


def test_every_request_gets_its_own_id(client):
    first, second = client.get("/no/such/page/"), client.get("/no/such/page/")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_json_lines_carry_extras_and_tracebacks_and_outside_a_request_a_dash(json_lines):
    log = logging.getLogger("magazine.tests")
    log.warning("Tianjin 天津 %s", "edition", extra={"send_id": 7})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    warning, failure = json_lines()
    assert warning["message"] == "Tianjin 天津 edition" and warning["send_id"] == 7
    assert warning["request_id"] == "-" and warning["time"].endswith("+00:00")
    assert failure["level"] == "ERROR" and "ValueError: boom" in failure["exception"]


def test_a_promised_tasks_log_lines_carry_the_id_of_the_request_that_promised_it(
    client, json_lines, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    data = {"email": "reader@example.org", "consent": "on", "source": "article", "page": "/shanghai/"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("newsletter:subscribe"), data, HTTP_X_REQUEST_ID="signup-7f3a")
    assert response.status_code == 302
    # The work ran after the request had ended (on commit), under the request's id.
    row = OutboxTask.objects.get(task_path__startswith="newsletter.")
    assert row.request_id == "signup-7f3a" and row.state == OutboxTask.State.DONE
    task_lines = [line for line in json_lines() if line["logger"] == "magazine.outbox"]
    assert [" started " in line["message"] or " done " in line["message"] for line in task_lines] == [True, True]
    assert {line["request_id"] for line in task_lines} == {"signup-7f3a"}


def test_work_promised_outside_a_request_logs_without_an_id(json_lines, django_capture_on_commit_callbacks):
    from magazine import outbox

    with django_capture_on_commit_callbacks(execute=True):
        outbox.promise("magazine.tests.test_logs.quiet_work", 1)
    assert OutboxTask.objects.get().request_id == ""
    task_lines = [line for line in json_lines() if line["logger"] in ("magazine.outbox", "magazine.tests.work")]
    assert len(task_lines) == 3 and {line["request_id"] for line in task_lines} == {"-"}


def quiet_work(n):
    logging.getLogger("magazine.tests.work").info("working on %s", n)


def test_log_format_json_makes_every_line_json(tmp_path):
    """The settings wire it: LOG_FORMAT=json, and the stdout handler writes JSON lines."""
    root = Path(__file__).resolve().parents[2]
    code = "import logging; logging.getLogger('magazine.check').warning('hello %s', 'json')"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["message"] == "hello json" and line["level"] == "WARNING" and line["request_id"] == "-"

    env["LOG_FORMAT"] = "yaml"
    refused = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "LOG_FORMAT must be json or text" in refused.stderr
