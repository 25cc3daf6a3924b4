"""Reader pages under load, served by gunicorn, measured against the framework's floor.

    bench/pages                                   # 100,000 articles on a throwaway SQLite file
    bench/pages --articles 20000 --duration 5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magazine_bench_pages \\
        REDIS_URL=redis://127.0.0.1:6379/13 bench/pages

What one run does:

1. Makes a database: a new SQLite file under the work folder (default
   /tmp/magazine-bench-pages), or with a PostgreSQL DATABASE_URL a database named
   ``magazine_bench_pages`` on that server (dropped first if left over, dropped again at the
   end). Migrates it and loads the demo magazine with ``seed_demo --articles 200``.
2. Counts the SQL queries of each page (home, an article, a region page, a search) with the
   Django test client in this process, page cache off: once with every cache empty and once
   with the site's own caches (menus, discovery blocks) warm. Then tops the demo up to
   ``--articles`` (default 100,000) with ``seed_demo`` and counts again (on PostgreSQL after a
   ``VACUUM ANALYZE``, which autovacuum would run soon after such a load). The counts must not
   grow with the number of articles: if any differs the run ends with exit status 1.
3. Starts gunicorn on 127.0.0.1 twice, one configuration after the other: page cache off
   ("cold": every request renders the page) and page cache on and primed ("warm"). Each
   server also routes /bench/floor/ (BENCH_FLOOR=1), a view that returns a fixed string
   through the whole middleware stack: the framework's floor, measured in the same server.
4. Drives each page from a separate process: Debian's ``wrk`` when installed, otherwise a
   bounded Python generator (threads, keep-alive http.client). Prints requests per second,
   p50/p95/p99 latency and each figure as a ratio of the floor.

5. Through the edge: when ``varnishd`` is installed, a third server (page cache on,
   ``EDGE_MAX_AGE``) runs behind ``deploy/varnish/default.vcl`` in a varnishd of this run's
   own; the floor is measured on that server directly (a bare Django view through gunicorn)
   and the warm home, article and region pages through Varnish, in the same run. With
   REDIS_URL it then publishes a new story in the region under load on the region page and
   prints how long until Varnish serves it (the purge is sent by the publishing process right
   after the commit, as a worker would).

DATABASE_URL and REDIS_URL are passed to the servers: with REDIS_URL the page cache, the
site's caches and the session cache live in Redis, under a key prefix of this run's own,
deleted at the end (sessions themselves are database rows). The in-process query counts always use the local-memory cache. Nothing here asserts a
time: it prints figures.

Options: --articles N, --duration S (per case), --warmup S, --connections N, --workers N,
--query WORDS (the search), --skip-seed (reuse the database a --keep run left),
--keep (keep the database and work folder), --workdir PATH.

Exit status: 0; 1 when a page's query count differs between the two sizes; 2 when a page
answered errors under load or completed no request in the measured time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "magazine_bench_pages"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "magazine-bench-pages"
SECRET = "bench-pages-throwaway-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SMALL = 200
FLOOR_PATH = "/bench/floor/"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-RESULT %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# --- the load generators: each runs in a process of its own --------------------------------


def run_wrk(url: str, *, duration: float, connections: int, script: Path) -> dict:
    threads = max(1, min(2, connections))
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
        "-s", str(script), url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            requests, elapsed, p50, p95, p99, *errors = (int(value) for value in line.split()[1:])
            return {
                "requests": requests,
                "rps": requests / (elapsed / 1e6) if elapsed else 0.0,
                "p50": p50 / 1000, "p95": p95 / 1000, "p99": p99 / 1000,
                "errors": sum(errors),
            }
    raise RuntimeError(f"wrk gave no result for {url}:\n{done.stdout}\n{done.stderr}")


def python_load(url: str, *, duration: float, connections: int) -> dict:
    """Bounded load from this process: ``connections`` threads, one keep-alive connection each."""
    import http.client

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def worker(index: int) -> None:
        connection = None
        while time.monotonic() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = None
                continue
            latencies[index].append(time.perf_counter() - started)
            if response.status >= 400:
                errors[index] += 1
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 15)
    elapsed = time.monotonic() - started
    every = sorted(value for per_thread in latencies for value in per_thread)

    def percentile(p: float) -> float:
        if not every:
            return 0.0
        return every[min(len(every) - 1, int(round(p / 100 * (len(every) - 1))))] * 1000

    return {
        "requests": len(every),
        "rps": len(every) / elapsed if elapsed else 0.0,
        "p50": percentile(50), "p95": percentile(95), "p99": percentile(99),
        "errors": sum(errors),
    }


def drive(url: str, *, duration: float, connections: int, wrk_script: Path | None) -> dict:
    if wrk_script is not None:
        return run_wrk(url, duration=duration, connections=connections, script=wrk_script)
    command = [sys.executable, __file__, "--load", url, "--duration", str(duration), "--connections", str(connections)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    return json.loads(done.stdout)


# --- databases and servers ------------------------------------------------------------------


def postgres(url: str, statement: str) -> None:
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(statement)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 180) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "bench-pages"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Server:
    """One gunicorn process on 127.0.0.1; always stopped by ``stop()`` (called from finally)."""

    def __init__(self, *, name: str, env: dict, workers: int, logdir: Path):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(logdir / f"gunicorn-{name}.log", "w")  # noqa: SIM115 - closed in stop()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn), "magazine.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers), "--timeout", "180", "--no-control-socket", "--log-level", "warning",
                "--error-logfile", "-",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited with {self.process.returncode}; see {self.log.name}")
            try:
                status, _, _ = fetch(self.base + "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer /healthz in {timeout:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


# --- the run ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="live demo articles to measure at (default 100,000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per case (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured requests, one at a time, before each case (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--query", default="food", help="the search words (default: food)")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="keep the database and the work folder")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--no-edge", action="store_true", help="skip the cases through Varnish")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: the Python load generator
    options = parser.parse_args()

    if options.load:
        print(json.dumps(python_load(options.load, duration=options.duration, connections=options.connections)))
        return 0
    if options.articles < SMALL:
        parser.error(f"--articles must be at least {SMALL}, the size the query counts are compared with.")
    if not (1 <= options.connections <= 256 and 0.5 <= options.duration <= 600 and 0 <= options.warmup <= 60):
        parser.error("keep --connections within 1..256, --duration within 0.5..600 s and --warmup within 0..60 s.")

    workdir: Path = options.workdir
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    on_postgres = database_url.startswith(("postgres://", "postgresql://"))
    sqlite_file = workdir / "bench.sqlite3"
    if options.skip_seed:
        if not on_postgres and not sqlite_file.exists():
            parser.error(f"--skip-seed: no database at {sqlite_file}; run once with --keep first.")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    bench_url = urlsplit(database_url)._replace(path=f"/{BENCH_DATABASE}").geturl() if on_postgres else f"sqlite:///{sqlite_file}"
    if on_postgres and not options.skip_seed:
        postgres(database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        postgres(database_url, f"CREATE DATABASE {BENCH_DATABASE}")

    common = {
        "DATABASE_URL": bench_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "HTTPS": "0",
        "SERVE_MEDIA": "1",
        "BENCH_FLOOR": "1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "magazine.settings",
    }
    # This process counts queries with the local-memory cache; only the servers get Redis.
    os.environ.update(common, ALLOWED_HOSTS="127.0.0.1,localhost,testserver", PAGE_CACHE_ENABLED="0")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    wrk_script = None
    if shutil.which("wrk"):
        wrk_script = workdir / "report.lua"
        wrk_script.write_text(WRK_SCRIPT)
    load_average_before = os.getloadavg()
    status = 0
    servers: list[Server] = []
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"database: {connection.vendor} ({BENCH_DATABASE if on_postgres else sqlite_file}); "
              f"servers' cache: {'Redis ' + redis_url if redis_url else 'local memory, per worker'}")
        search_on = _search_exists()
        if not search_on:
            print("search: /search/ does not exist in this checkout (404); measured without it.")
        counts: dict[int, dict] = {}
        if not options.skip_seed:
            counts[SMALL] = _seed_and_count(SMALL, options, search_on)
            connections.close_all()
        counts[options.articles] = _seed_and_count(options.articles, options, search_on)
        connections.close_all()
        if not _print_counts(counts):
            status = 1

        urls = counts[options.articles]["urls"]
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PAGE_CACHE_ENABLED", "CACHE_KEY_PREFIX"}},
            **common,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        prefix = f"bench-pages-{uuid.uuid4().hex[:12]}"
        results = []
        for mode, cache_on in (("cold", "0"), ("warm", "1")):
            server = Server(
                name=mode,
                env={**env, "PAGE_CACHE_ENABLED": cache_on, "CACHE_KEY_PREFIX": f"{prefix}-{mode}"},
                workers=options.workers,
                logdir=workdir,
            )
            servers.append(server)
            server.wait_healthy()
            results += _measure(server, mode, urls, options, wrk_script)
            server.stop()
        varnishd = shutil.which("varnishd") or next((p for p in ("/usr/sbin/varnishd",) if Path(p).exists()), None)
        if varnishd and not options.no_edge:
            results += _measure_edge(varnishd, env, prefix, urls, options, wrk_script, workdir, servers, redis_url)
        elif not options.no_edge:
            print("edge: varnishd is not installed (apt-get install varnish varnish-modules): not measured.")
        _print_load(results, options, wrk_script is not None, load_average_before)
        if any(result["errors"] or not result["requests"] for result in results):
            print("Some pages answered errors or no request completed: see above.")
            status = status or 2
        if redis_url:
            _forget_redis_keys(redis_url, prefix)
        print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
              f"Python {platform.python_version()}, Django {django.get_version()}, "
              f"{connection.vendor} {_database_version(connection)}, settings.DEBUG={settings.DEBUG}")
    finally:
        for server in servers:
            server.stop()
        connections.close_all()
        if not (options.keep or options.skip_seed):
            if on_postgres:
                postgres(database_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {workdir}" + (f" and database {BENCH_DATABASE}" if on_postgres else ""))
    return status


def _search_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/search/")
    except Resolver404:
        return False
    return True


def _seed_and_count(articles: int, options, search_on: bool) -> dict:
    from django.core.management import call_command
    from django.db import connection

    if not options.skip_seed:
        started = time.monotonic()
        call_command("seed_demo", articles=articles, verbosity=0)
        print(f"seed_demo --articles {articles:,}: {time.monotonic() - started:.1f} s")
    if search_on:
        from articles import search

        if hasattr(search, "index_missing"):
            started = time.monotonic()
            made = search.index_missing()
            if made:
                print(f"search index: {made:,} documents made in {time.monotonic() - started:.1f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does shortly after a bulk load (done here too, in case the server
        # runs with autovacuum off): without ANALYZE the planner thinks the tables are still
        # nearly empty; without VACUUM's visibility map, counts that an index answers alone
        # (live articles of a region) visit every row instead (0.77 s instead of 9 ms).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    if search_on:
        print(f"search {options.query!r}: {search.search(options.query).count():,} results")
    urls = _pick_urls(options.query, search_on)
    queries, timings = _count_queries(urls)
    return {"urls": urls, "queries": queries, "ms": timings}


def _pick_urls(query: str, search_on: bool) -> list[tuple[str, str]]:
    from urllib.parse import urlencode

    from articles.models import Article, Region

    region = Region.objects.order_by("ordering", "pk").first()
    article = Article.objects.published().filter(region=region).order_by("-published_at", "-pk").first()
    urls = [("home", "/"), ("article", article.get_absolute_url()), ("region", f"/region/{region.slug}/")]
    if search_on:
        urls.append(("search", "/search/?" + urlencode({"q": query})))
    return urls


def _count_queries(urls) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[float, float]]]:
    """Queries of one render with every cache empty, and of the next with the site's caches warm,
    and how long each of those two renders took in this process (milliseconds)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts, timings = {}, {}
    for name, url in urls:
        cache.clear()
        renders, times = [], []
        for _ in range(2):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = Client().get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name} ({url}) answered {response.status_code}, not 200.")
            renders.append(len(queries))
        counts[name] = tuple(renders)
        timings[name] = tuple(times)
    return counts, timings


def _print_counts(counts: dict[int, dict]) -> bool:
    sizes = sorted(counts)
    print()
    print("SQL queries per page and the time of that one render (Django test client in this process,")
    print("page cache off): first with every cache empty, then again with the site's own caches warm")
    print(f"{'':<9}" + "".join(f"{f'{size:,} articles':>34}" for size in sizes))
    print(f"{'page':<9}" + f"{'queries':>14}{'ms':>20}" * len(sizes))
    same = True
    names = [name for name, _ in counts[sizes[-1]]["urls"]]
    for name in names:
        row = [counts[size]["queries"].get(name) for size in sizes]
        times = [counts[size]["ms"].get(name) for size in sizes]
        cells = "".join(
            f"{f'{cold} / {warm}':>14}{f'{cold_ms:,.0f} / {warm_ms:,.0f}':>20}"
            for (cold, warm), (cold_ms, warm_ms) in zip(row, times, strict=True)
        )
        differs = len(set(row)) > 1
        same &= not differs
        print(f"{name:<9}{cells}" + ("   DIFFERS" if differs else ""))
    for name, url in counts[sizes[-1]]["urls"]:
        print(f"  {name}: {url}")
    if len(sizes) == 1:
        print("(--skip-seed: counted at one size only)")
    elif same:
        print(f"Every page costs the same queries at {sizes[0]:,} and {sizes[-1]:,} articles.")
    else:
        print("Query counts differ between sizes: a page grows with the database.")
    print("(A single render's time is one sample on a shared machine: it shows a slow query, not a rate.)")
    return same


def _prime(server: Server, path: str, workers: int) -> str:
    """Request until the page cache answers hit on several requests in a row (every worker)."""
    hits = 0
    for _ in range(20 * workers + 20):
        status, headers, _ = fetch(server.base + path)
        if status != 200:
            return f"answered {status}"
        if "X-Page-Cache" not in headers:
            return "not cacheable"
        hits = hits + 1 if headers["X-Page-Cache"] == "hit" else 0
        if hits >= 2 * workers:
            return "hit"
    return "not cached"


def _warm_up(server: Server, path: str, seconds: float) -> None:
    """Unmeasured requests one after another, each answered before the next: none left running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fetch(server.base + path)


def _drain(server: Server, workers: int, timeout: float = 300) -> None:
    """Wait until requests the load generator gave up on at its deadline are finished.

    A sync worker renders a request to the end even when its client has gone, so a slow page
    would otherwise still hold the workers when the next case starts."""
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 2 * workers and time.monotonic() < deadline:
        started = time.perf_counter()
        fetch(server.base + FLOOR_PATH)
        quick = quick + 1 if time.perf_counter() - started < 0.1 else 0


def _measure(server: Server, mode: str, urls, options, wrk_script) -> list[dict]:
    results = []
    for name, path in [("floor", FLOOR_PATH), *urls]:
        try:
            started = time.perf_counter()
            status, headers, body = fetch(server.base + path)
            first = (time.perf_counter() - started) * 1000
            if status != 200:
                print(f"{mode} {name} ({path}) answered {status}: not measured.")
                continue
            cache_state = headers.get("X-Page-Cache", "-")
            if mode == "warm" and name != "floor":
                cache_state = _prime(server, path, options.workers)
            _warm_up(server, path, options.warmup)
            figures = drive(server.base + path, duration=options.duration, connections=options.connections, wrk_script=wrk_script)
            _drain(server, options.workers)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            server.log.flush()
            print(f"{mode} {name} ({path}) failed: {error!r}; the server's log ends:")
            print(Path(server.log.name).read_text()[-2000:])
            results.append({"mode": mode, "page": name, "path": path, "bytes": 0, "cache": "-", "first": 0.0,
                            "requests": 0, "rps": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "errors": 1})
            continue
        results.append({"mode": mode, "page": name, "path": path, "bytes": len(body), "cache": cache_state,
                        "first": first, **figures})
    return results


class Varnish:
    """varnishd of this run's own in front of ``backend``, with the shipped VCL."""

    def __init__(self, varnishd: str, backend: Server, workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        vcl = (ROOT / "deploy/varnish/default.vcl").read_text()
        vcl = vcl.replace("SITE_HOST", f"127.0.0.1:{self.port}").replace('.port = "8000";', f'.port = "{backend.port}";')
        (workdir / "site.vcl").write_text(vcl)
        self.log = open(workdir / "varnishd.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [varnishd, "-F", "-j", "none", "-T", "none", "-n", str(workdir / "varnish"),
             "-a", f"127.0.0.1:{self.port}", "-f", str(workdir / "site.vcl"), "-s", "malloc,256m"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited with {self.process.returncode}; see {self.log.name}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("varnishd did not listen in 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.log.close()


def _measure_edge(varnishd, env, prefix, urls, options, wrk_script, workdir, servers, redis_url) -> list[dict]:
    """The floor on the server itself, then the warm pages through Varnish, in the same run."""
    edge_port = free_port()  # the purge address is known before Varnish starts
    server = Server(
        name="edge",
        env={**env, "PAGE_CACHE_ENABLED": "1", "EDGE_MAX_AGE": "600", "CACHE_KEY_PREFIX": f"{prefix}-edge",
             "ALLOWED_HOSTS": "127.0.0.1,localhost", "EDGE_PURGE_URLS": f"http://127.0.0.1:{edge_port}/"},
        workers=options.workers,
        logdir=workdir,
    )
    servers.append(server)
    server.wait_healthy()
    varnish = None
    results = []
    try:
        varnish = Varnish(varnishd, server, workdir)
        results += _measure(server, "edge", [], options, wrk_script)  # the floor, on gunicorn itself
        for name, path in urls:
            if name == "search":
                continue
            status, headers, body = fetch(varnish.base + path)
            fetch(varnish.base + path)
            status, headers, body = fetch(varnish.base + path)
            state = headers.get("X-Cache", "-")
            _warm_up(varnish, path, options.warmup)
            figures = drive(varnish.base + path, duration=options.duration, connections=options.connections,
                            wrk_script=wrk_script)
            results.append({"mode": "edge", "page": name, "path": path, "bytes": len(body), "cache": f"varnish {state}",
                            "first": 0.0, **figures})
        region = next(path for name, path in urls if name == "region")
        if redis_url:
            _publish_under_load(varnish, server, env, prefix, region, options, wrk_script)
        else:
            print("edge publish: needs REDIS_URL (the servers' page caches must be shared with the publisher)")
    finally:
        if varnish is not None:
            varnish.stop()
        server.stop()
    return results


PUBLISH_SCRIPT = """
import time
from django.db import transaction
from articles.models import Article, Region
from articles.services import article_publish
from articles.tests.factories import ArticleFactory
from django.contrib.auth import get_user_model
from magazine import outbox
region = Region.objects.get(slug={slug!r})
editor = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser("bench-edge", "b@example.com", "x")
draft = ArticleFactory(region=region, draft=True, title={title!r})
print("PUBLISH-AT", time.time(), flush=True)
with transaction.atomic():
    article_publish(article=draft, by=editor)
outbox.sweep(grace_seconds=0)  # what the worker does with the purge it is rung for
print("PURGED-AT", time.time(), flush=True)
"""


def _publish_under_load(varnish, server, env, prefix, region_path, options, wrk_script) -> None:
    """Publish a story in the region while the region page is under load through Varnish; print how
    long until a reader of that page sees it."""
    title = f"Bench edge story {uuid.uuid4().hex[:8]}"
    slug = region_path.rstrip("/").rsplit("/", 1)[-1]
    load = threading.Thread(
        target=drive, args=(varnish.base + region_path,),
        kwargs={"duration": 6, "connections": options.connections, "wrk_script": wrk_script}, daemon=True,
    )
    load.start()
    time.sleep(1.5)
    publisher = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", PUBLISH_SCRIPT.format(slug=slug, title=title)],
        cwd=ROOT, env={**server_env(env, prefix), "EDGE_PURGE_URLS": varnish.base + "/", "TESTING": "0"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    published_at = None
    for line in publisher.stdout:
        if line.startswith("PUBLISH-AT "):
            published_at = float(line.split()[1])
            break
    seen_at = None
    deadline = time.monotonic() + 30
    while published_at is not None and time.monotonic() < deadline:
        _, headers, body = fetch(varnish.base + region_path)
        if title.encode() in body:
            seen_at = time.time()
            break
        time.sleep(0.01)
    rest = publisher.communicate(timeout=60)[0]
    load.join(timeout=30)
    if seen_at is None:
        print(f"edge publish: the new story did not appear through Varnish within 30 s\n{rest[-2000:]}")
    else:
        purged = next((float(line.split()[1]) for line in rest.splitlines() if line.startswith("PURGED-AT ")), None)
        sent = f"; the purge had been sent {purged - published_at:.3f} s after it began" if purged else ""
        print(f"edge publish under load: the new story was served by Varnish {seen_at - published_at:.3f} s "
              f"after the publish began (commit, purge, re-render included{sent})")


def server_env(env: dict, prefix: str) -> dict:
    return {**env, "PAGE_CACHE_ENABLED": "1", "CACHE_KEY_PREFIX": f"{prefix}-edge"}


def _print_load(results: list[dict], options, used_wrk: bool, load_before) -> None:
    print()
    generator = "wrk" if used_wrk else "Python load generator (threads, keep-alive)"
    print(f"Under load: gunicorn, {options.workers} sync workers on 127.0.0.1; {generator}, "
          f"{options.connections} connections, {options.duration:g} s per case after {options.warmup:g} s of "
          "requests one at a time")
    print(f"{'case':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'req/s of floor':>16}{'p50 x floor':>13}{'KB':>7}{'first ms':>10}{'errors':>8}  page cache")
    floors = {r["mode"]: r for r in results if r["page"] == "floor"}
    for result in results:
        floor = floors.get(result["mode"])
        if not result["requests"]:
            print(f"{result['mode'] + ' ' + result['page']:<14}  no request completed in {options.duration:g} s"
                  f"{result['first']:>45,.0f}{result['errors']:>8}  {result['cache']}")
            continue
        share = f"{result['rps'] / floor['rps']:.3g}" if floor and floor["rps"] else "-"
        slower = f"{result['p50'] / floor['p50']:,.1f}" if floor and floor["p50"] else "-"
        rate = f"{result['rps']:,.0f}" if result["rps"] >= 100 else f"{result['rps']:.1f}"
        print(f"{result['mode'] + ' ' + result['page']:<14}{result['requests']:>9,}{rate:>9}{result['p50']:>9.1f}"
              f"{result['p95']:>9.1f}{result['p99']:>9.1f}{share:>16}{slower:>13}"
              f"{result['bytes'] / 1024:>7.0f}{result['first']:>10,.0f}{result['errors']:>8}  {result['cache']}")
    after = os.getloadavg()
    print("first ms: the first request to the fresh server, its caches empty; page cache: "
          "what the page cache answered once primed")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in load_before)}; "
          f"after: {' '.join(f'{v:.2f}' for v in after)}")


def _forget_redis_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}-*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])
    client.close()


def _database_version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
