"""Real-browser fixtures: Debian's chromium driven by playwright.

Where chromium is missing the browser tests skip with a message that says how to get it,
except under CI=true, where a missing browser fails the run.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _need_browser():
    if os.path.exists(CHROMIUM):
        return
    message = f"chromium not found at {CHROMIUM}: install it with `apt-get install chromium` to run browser tests"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: browser tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser):
    """A factory: ``browser_page(width=390)`` gives a fresh page (own context) of that width."""
    contexts = []

    def make(width=1280, height=900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        # Nothing more reaches the test server (an autosave on its timer, say) while the database
        # is flushed for the next test.
        context.route("**/*", lambda route: route.abort())
        context.close()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Static files collected once for app servers run with DEBUG off (they serve them from a manifest)."""
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path_factory.mktemp("production-static")
    env = {**os.environ, "STATIC_ROOT": str(folder), "DEBUG": "0", "SECRET_KEY": "collectstatic-only-" + "x" * 40}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=Path(__file__).resolve().parent.parent, env=env, check=True, timeout=180, capture_output=True,
    )
    return folder
