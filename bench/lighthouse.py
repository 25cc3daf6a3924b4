"""Lighthouse scores of the reader pages, served as in production (gunicorn, DEBUG off, whitenoise).

    bench/lighthouse                       # fresh SQLite demo in /tmp/magazine-bench-lighthouse
    bench/lighthouse --runs 3              # median of three Lighthouse runs per page and preset
    bench/lighthouse --keep                # keep the work folder (database, media, static files)
    bench/lighthouse --skip-seed           # reuse the database a --keep run left
    LIGHTHOUSE=/path/to/node_modules/.bin/lighthouse bench/lighthouse

What one run does:

1. Makes a fresh database (a SQLite file in the work folder, or with a PostgreSQL DATABASE_URL a
   database named ``magazine_bench_lighthouse`` on that server), migrates it and loads the demo
   magazine (``setup_demo``); collects the static files (whitenoise's compressed manifest storage).
2. Starts gunicorn on 127.0.0.1 with DEBUG off, whitenoise serving the static files and Django
   the media files (SERVE_MEDIA=1; in production a web server does).
3. Runs Lighthouse (npm ``lighthouse``, version LIGHTHOUSE_VERSION; ``$LIGHTHOUSE`` if set,
   else ``npx --yes lighthouse@LIGHTHOUSE_VERSION``, which installs it in npm's cache, outside
   the repository) in Debian's chromium (CHROME_PATH, default /usr/bin/chromium; flags
   ``--headless --no-sandbox``) against home, an article and a region page, with the mobile
   (default) and the desktop preset.
4. Prints the four category scores (performance, accessibility, best practices, SEO), the HTML
   bytes on the wire with gzip and without, and the page's DOM elements; then every audit that
   kept a score below 100, with its value.

Lighthouse's performance score simulates a slow phone from timings taken on this machine: on a
busy machine it moves by a few points from run to run; ``--runs N`` prints the median.

Exit status: 0; 2 when a page does not answer 200 or Lighthouse fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from support import free_port, fresh_database, postgres  # bench/support.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIGHTHOUSE_VERSION = "12.8.2"  # 13.x needs Node 22; Debian 13 ships Node 20
BENCH_DATABASE = "magazine_bench_lighthouse"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "magazine-bench-lighthouse"
SECRET = "bench-lighthouse-throwaway-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PRESETS = ("mobile", "desktop")


def fetch(url: str, *, gzip_ok: bool) -> tuple[int, dict, bytes]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def html_bytes(url: str) -> tuple[int, int]:
    """Bytes of the page on the wire when the client accepts gzip, and when it does not."""
    status, headers, body = fetch(url, gzip_ok=True)
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200.")
    status, _, plain = fetch(url, gzip_ok=False)
    if headers.get("Content-Encoding") == "gzip":
        gzip.decompress(body)  # a broken stream fails the run here
    return len(body), len(plain)


def lighthouse_command() -> list[str]:
    explicit = os.environ.get("LIGHTHOUSE")
    if explicit:
        return [explicit]
    if not shutil.which("npx"):
        raise SystemExit("Needs npm's npx (apt-get install npm) or LIGHTHOUSE=/path/to/lighthouse.")
    return ["npx", "--yes", f"lighthouse@{LIGHTHOUSE_VERSION}"]


def run_lighthouse(url: str, preset: str, out: Path, chrome: str) -> dict:
    command = [
        *lighthouse_command(), url,
        "--quiet", "--output=json", f"--output-path={out}",
        "--chrome-flags=--headless --no-sandbox",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": chrome}
    for _attempt in range(3):  # on a busy machine a trace is sometimes lost (NO_NAVSTART): try again
        out.unlink(missing_ok=True)
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        if finished.returncode == 0 and out.exists():
            return json.loads(out.read_text())
    raise RuntimeError(f"lighthouse {url} ({preset}) exited {finished.returncode}:\n{finished.stderr[-2000:]}")


def scores(report: dict) -> dict[str, int]:
    return {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def dom_elements(report: dict) -> int | None:
    audit = report["audits"].get("dom-size", {})
    value = audit.get("numericValue")
    return int(value) if value is not None else None


def failing_audits(report: dict) -> list[str]:
    """Audits of the four categories that score below 1 (weighted ones first), with their values."""
    found = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if audit.get("scoreDisplayMode") in {"notApplicable", "manual", "informative", "error"}:
                continue
            score = audit.get("score")
            if score is None or score >= 1:
                continue
            value = audit.get("displayValue") or ""
            found.append(f"{name}: {ref['id']} {round(score * 100)}{f' ({value})' if value else ''}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page and preset; the median is printed")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (and the PostgreSQL database)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    options = parser.parse_args()
    if not 1 <= options.runs <= 9:
        parser.error("--runs must be within 1..9.")
    if not Path(options.chrome).exists():
        parser.error(f"No chromium at {options.chrome} (apt-get install chromium, or set CHROME_PATH).")

    workdir: Path = options.workdir
    sqlite_file = workdir / f"{BENCH_DATABASE}.sqlite3"
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if options.skip_seed:
        if not on_postgres and not sqlite_file.exists():
            parser.error(f"--skip-seed: no database at {sqlite_file}; run once with --keep first.")
        from urllib.parse import urlsplit

        database_url = (
            urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{BENCH_DATABASE}").geturl()
            if on_postgres else f"sqlite:///{sqlite_file}"
        )
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        database_url, on_postgres = fresh_database(workdir, BENCH_DATABASE)

    common = {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "HTTPS": "0",
        "SERVE_MEDIA": "1",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "magazine.settings",
    }
    os.environ.update(common)
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    status = 0
    server = None
    log = None
    try:
        if not options.skip_seed:
            started = time.monotonic()
            call_command("migrate", verbosity=0)
            call_command("setup_demo", verbosity=0)
            print(f"demo magazine loaded in {time.monotonic() - started:.0f} s")
        call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        urls = _pick_urls()
        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "magazine.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(options.workers), "--timeout", "120", "--no-control-socket",
             "--log-level", "warning", "--error-logfile", "-"],
            cwd=ROOT, env={**os.environ, **common}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait_healthy(base, server)

        rows, problems = [], {}
        for name, path in urls:
            url = base + path
            html_gzip, html_plain = html_bytes(url)
            for preset in PRESETS:
                reports = []
                for run in range(options.runs):
                    reports.append(run_lighthouse(url, preset, workdir / f"{name}-{preset}-{run}.json", options.chrome))
                by_perf = sorted(reports, key=lambda report: scores(report)["performance"])
                median = by_perf[len(by_perf) // 2]
                rows.append((name, path, preset, scores(median), html_gzip, html_plain, dom_elements(median)))
                problems[(name, preset)] = failing_audits(median)
        _print_table(rows, options.runs)
        print()
        for (name, preset), found in problems.items():
            if found:
                print(f"{name} ({preset}): " + "; ".join(found))
        print(f"\nmachine: {os.cpu_count()} cores, Python {platform.python_version()}, Django {django.get_version()}, "
              f"Lighthouse {_lighthouse_version()}, {_chromium_version(options.chrome)}; load average "
              + " ".join(f"{value:.1f}" for value in os.getloadavg()))
    except RuntimeError as error:
        print(error, file=sys.stderr)
        status = 2
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if log is not None:
            log.close()
        connections.close_all()
        if options.keep or options.skip_seed:
            print(f"kept: {workdir}" + (f" and database {BENCH_DATABASE}" if on_postgres else ""))
        else:
            if on_postgres:
                postgres(database_url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
            shutil.rmtree(workdir, ignore_errors=True)
    return status


def _pick_urls() -> list[tuple[str, str]]:
    from articles.models import Article, Region

    region = Region.objects.order_by("ordering", "pk").first()
    article = Article.objects.published().filter(region=region).order_by("-published_at", "-pk").first()
    return [("home", "/"), ("article", article.get_absolute_url()), ("region", region.get_absolute_url())]


def _wait_healthy(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see its log in the work folder")
        try:
            if fetch(base + "/healthz", gzip_ok=False)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s")


def _print_table(rows, runs: int) -> None:
    print(f"\nLighthouse {f'(median of {runs} runs) ' if runs > 1 else ''}scores and page weight")
    print(f"| {'page':<8} | {'preset':<7} | perf | a11y | best pr. | SEO | HTML gzip | HTML plain | DOM elements |")
    print(f"|{'-' * 10}|{'-' * 9}|-----:|-----:|---------:|----:|----------:|-----------:|-------------:|")
    for name, _path, preset, score, html_gzip, html_plain, dom in rows:
        print(
            f"| {name:<8} | {preset:<7} | {score['performance']:>4} | {score['accessibility']:>4} | "
            f"{score['best-practices']:>8} | {score['seo']:>3} | {html_gzip / 1024:>7.1f} KB | "
            f"{html_plain / 1024:>8.1f} KB | {dom if dom is not None else '?':>12} |"
        )


def _lighthouse_version() -> str:
    try:
        return subprocess.run([*lighthouse_command(), "--version"], capture_output=True, text=True,
                              timeout=120, check=False).stdout.strip()
    except OSError:
        return "?"


def _chromium_version(chrome: str) -> str:
    try:
        return subprocess.run([chrome, "--version"], capture_output=True, text=True, timeout=30,
                              check=False).stdout.strip()
    except OSError:
        return "chromium ?"


if __name__ == "__main__":
    sys.exit(main())
