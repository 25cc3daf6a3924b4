"""Programs some tests start themselves (redis-server, nginx): skipped with a message where the
program is missing, except under CI=true, where a missing program fails the test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def find(program: str) -> str | None:
    return shutil.which(program) or next(
        (str(p) for p in (Path("/usr/sbin") / program, Path("/usr/bin") / program) if p.exists()), None
    )


def need(program: str, install: str) -> str:
    """The program's path; else skip (fail under CI=true) saying how to install it."""
    found = find(program)
    if found:
        return found
    message = f"{program} is not installed: `{install}` to run this test"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: these tests may not be skipped)")
    pytest.skip(message)
