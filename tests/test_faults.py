"""A shorter bench/faults on the database of this pass: SIGKILLs of a real worker lose no mail.

bench/faults starts ``manage.py worker`` as a separate process with production settings (the
database queue, or RQ on a redis-server of its own in the PostgreSQL + Redis pass), sends an
issue through a real SMTP server, kills the worker's process group with SIGKILL at random
moments (at least one while delivery rows are being made) and restarts it. Every subscriber
gets the mail; a duplicate only where a kill fell between the SMTP server's acceptance and the
row being marked; no database-queue task is left RUNNING. On SQLite the database is also held
locked during preparation, so the worker's writes fail with "database is locked" and are retried.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import tools

ROOT = Path(__file__).resolve().parent.parent
_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _run_bench(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    result = subprocess.run(
        [sys.executable, "bench/faults.py", *args, "--database-name", f"magazine_test_faults_{worker}", "--timeout", "150"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def _figure(output: str, label: str) -> int:
    match = re.search(rf"^\s+{label}\s+([\d,]+)", output, re.MULTILINE)
    assert match, output
    return int(match.group(1).replace(",", ""))


def test_killed_workers_lose_no_mail_and_duplicate_only_at_the_kill_window():
    if os.environ.get("REDIS_URL"):
        tools.need("redis-server", "apt-get install redis-server")  # bench/faults starts its own for RQ
    # Leases of 5 s: long enough that a machine busy with other tests does not stall a batch past its lease.
    args = ["--mails", "300", "--kills", "4", "--prepare-kills", "1", "--batch-size", "25", "--prepare-chunk", "10",
            "--lease", "5"]
    if not _postgres:
        args += ["--lock-seconds", "3"]
    output = _run_bench(*args)
    kills = re.search(r"kills\s+(\d+) \((\d+) during preparation, (\d+) between accept and mark\)", output)
    assert kills, output
    total, during_preparation, in_window = (int(g) for g in kills.groups())
    assert total >= 4 and during_preparation >= 1
    assert _figure(output, "missing") == 0
    assert _figure(output, "unique") == 300
    assert _figure(output, "duplicates") <= in_window
    assert "send status          sent" in output
    assert _figure(output, "queue tasks running") == 0
    if not _postgres:
        assert "the worker saw it: yes" in output
    assert "verdict              ok" in output
