import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9!vQ2#pL8zR5@wX1&nB7^tY4*hM6(cD0)fG-eS_aU+iO=rE",
    "ALLOWED_HOSTS": "www.example.com",
    "SITE_URL": "https://www.example.com",
}


def _manage(*args, **env):
    # Nothing of the test process's own Django set-up (settings module, the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE) or a SITE_URL of the shell may leak into the production check.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_")) and k != "SITE_URL"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _without(name: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION_ENV.items() if k != name}


def test_check_deploy_fails_when_site_url_is_not_set_and_says_what_to_set():
    result = _manage("check", "--deploy", **_without("SITE_URL"))
    assert result.returncode != 0
    assert "magazine.E001" in result.stderr
    assert "SITE_URL is not set" in result.stderr
    assert "Set SITE_URL in the environment to the site's public https origin" in result.stderr


@pytest.mark.parametrize("site_url", ["http://www.example.com", "http://127.0.0.1:8000", "www.example.com", "https://"])
def test_check_deploy_fails_when_site_url_is_not_https(site_url):
    result = _manage("check", "--deploy", **(PRODUCTION_ENV | {"SITE_URL": site_url}))
    assert result.returncode != 0
    assert "magazine.E001" in result.stderr
    assert "not the site's https origin" in result.stderr
    assert "SITE_URL=https://www.example.com" in result.stderr


def test_site_url_check_runs_only_with_deploy():
    result = _manage("check", **_without("SITE_URL"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "magazine.E001" not in result.stdout + result.stderr


def test_production_refuses_to_serve_or_pass_the_deploy_check_without_a_secret_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="www.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    served = subprocess.run(
        [sys.executable, "-c", "import magazine.wsgi"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))} | {"DEBUG": "0", "SECRET_KEY": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in served.stderr


def test_migration_commands_run_without_a_secret_key():
    result = _manage("makemigrations", "--check", "--dry-run", DEBUG="0", SECRET_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_health_check_answers_503_when_the_cache_is_down(client, settings):
    broken = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={alias: broken for alias in settings.CACHES}):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"].startswith("error")
    assert response.json()["database"] == "ok"


def test_an_empty_database_url_means_the_default_sqlite_file():
    result = _manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor)", DATABASE_URL="", DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "sqlite"
