"""Time ``manage.py seed_demo`` at scale on a throwaway database.

    .venv/bin/python bench/seed_demo_bench.py --articles 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/seed_demo_bench.py

Without DATABASE_URL (or with a SQLite one) the run uses a new SQLite file in a temporary
folder. With a PostgreSQL DATABASE_URL it creates a database named ``magazine_bench`` on that
server, runs there and drops it afterwards. Media files go to a temporary folder too, and
REDIS_URL is ignored so a running site's cache is left alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "magazine_bench"


def _postgres(url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(url)
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(statement)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="Keep the database and media folder afterwards.")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="seed-demo-bench-"))
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres:
        bench_url = urlsplit(url)._replace(path=f"/{BENCH_DATABASE}").geturl()
        _postgres(url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        _postgres(url, f"CREATE DATABASE {BENCH_DATABASE}")
        os.environ["DATABASE_URL"] = bench_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("SECRET_KEY", "seed-demo-bench-throwaway-secret-key-0123456789-abcdefghijklmnop")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazine.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from articles.models import Article

    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({'database ' + BENCH_DATABASE if postgres else workdir})")

        started = time.monotonic()
        call_command("seed_demo", articles=0, images=options.images, stdout=StringIO())
        setup = time.monotonic() - started
        print(f"taxonomy, authors and {options.images} images with renditions: {setup:.1f} s")

        started = time.monotonic()
        call_command("seed_demo", articles=options.articles, batch_size=options.batch_size, images=options.images)
        elapsed = time.monotonic() - started
        live = Article.objects.published().count()

        started = time.monotonic()
        call_command("seed_demo", articles=options.articles, images=options.images, stdout=StringIO())
        again = time.monotonic() - started

        print(f"seed_demo --articles {options.articles:,}: {elapsed:.1f} s, "
              f"{options.articles / elapsed:,.0f} articles/s ({live:,} live articles)")
        print(f"second run (nothing to add): {again:.2f} s")
        if not postgres:
            size = (workdir / "bench.sqlite3").stat().st_size
            print(f"SQLite file: {size / 1e6:,.0f} MB")
    finally:
        connections.close_all()
        if postgres and not options.keep:
            _postgres(url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
