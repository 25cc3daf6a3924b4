"""`make run` gives the server and its task worker a SITE_URL that points at that server, so
links in the mail the local site writes open the site that sent them (`make -n` prints the
commands without running them)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _run_commands(*args: str, **env: str) -> dict[str, str]:
    """SITE_URL as `make run ARGS` would pass it to the server and to the worker."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found = {}
    for line in result.stdout.splitlines():
        for command in ("runserver", "worker"):
            if f"manage.py {command}" in line:
                match = re.search(r"\bSITE_URL='?([^'\s]+)'?", line)
                found[command] = match.group(1) if match else None
    assert set(found) == {"runserver", "worker"}, result.stdout
    return found


def test_make_run_on_another_port_sends_links_to_that_port():
    assert _run_commands("PORT=8101") == {"runserver": "http://127.0.0.1:8101", "worker": "http://127.0.0.1:8101"}


def test_make_run_on_another_host_sends_links_to_that_host():
    assert _run_commands("HOST=localhost", "PORT=8102")["worker"] == "http://localhost:8102"


def test_make_run_keeps_a_site_url_given_on_the_command_line_or_in_the_environment():
    assert _run_commands("PORT=8101", "SITE_URL=http://mag.test:8101")["worker"] == "http://mag.test:8101"
    assert _run_commands("PORT=8101", SITE_URL="http://mag.test:9000")["worker"] == "http://mag.test:9000"
