"""Time site search on a demo magazine of N articles, on the configured database.

    .venv/bin/python bench/search.py --articles 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search.py --articles 100000

The database is kept between runs, so the slow part (seeding) happens once: without
DATABASE_URL (or with a SQLite one) it is the file given by --sqlite-file; with a PostgreSQL
DATABASE_URL it is a database named ``magazine_search_bench`` (or --pg-database) on that
server, created when missing. ``--fresh`` starts again from an empty database. Each run:

1. migrates, then tops the demo up to --articles live articles with ``seed_demo`` (which
   indexes what it inserts), then on PostgreSQL runs ``VACUUM ANALYZE``; ``--rebuild`` also
   times a full ``rebuild_search_index``;
2. picks the queries: a single word (best match, newest first, and a page past the
   relevance window), two words, a phrase, a rare word (the least common word in the index),
   a word with a region filter and a word found nowhere; then Chinese, found inside the
   running Chinese text two bodies in five of the demo end with (real place, dish and venue
   names): a one-, two-, three- and five-character word (面, 夜景, 步行街, 狗不理包子), a mixed
   query (Nanjing Road 步行街), a region's Chinese name (天津), newest first, and a Chinese word
   found nowhere;
3. runs each query --repeat times the way the search page does (the count, then the first
   page of 12 hits with snippets and cards) and prints p50/p95 in ms, then the same for the
   whole page rendered through Django's test client.

REDIS_URL is ignored and DEBUG is off, so no query log grows in memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "magazine_search_bench"
PAGE_SIZE = 12


def _postgres(url: str, statement: str, *, fetch: bool = False):
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if fetch else None


def _configure(options) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        database = options.pg_database
        if options.fresh:
            _postgres(url, f"DROP DATABASE IF EXISTS {database}")
        if not _postgres(url, f"SELECT 1 FROM pg_database WHERE datname = '{database}'", fetch=True):
            _postgres(url, f"CREATE DATABASE {database}")
        os.environ["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{database}").geturl()
        where = f"database {database}"
    else:
        path = Path(options.sqlite_file)
        if options.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        where = str(path)
    os.environ["MEDIA_ROOT"] = str(Path(tempfile.gettempdir()) / "magazine-search-bench-media")
    os.environ["DEBUG"] = "0"
    os.environ["PAGE_CACHE_ENABLED"] = "0"
    os.environ.setdefault("SECRET_KEY", "search-bench-throwaway-secret-key-0123456789-abcdefghijklmnopqrs")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazine.settings")
    sys.path.insert(0, str(ROOT))
    return where


def _rare_word() -> str:
    """The least common plain word in the index (seen in at least one live article)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_bench_vocab "
                "USING fts5vocab(main, 'articles_search_fts', 'row')"
            )
            cursor.execute(
                "SELECT term FROM temp.search_bench_vocab WHERE length(term) >= 5 AND term GLOB '[a-z]*' "
                "AND term NOT GLOB '*[^a-z]*' ORDER BY doc, term LIMIT 1"
            )
        else:
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT vector FROM articles_searchdocument') "
                "WHERE length(word) >= 5 AND word ~ '^[a-z]+$' ORDER BY ndoc, word LIMIT 1"
            )
        row = cursor.fetchone()
    return row[0] if row else "zzzz"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="Timed runs per query (default 20).")
    parser.add_argument("--sqlite-file", default=str(Path(tempfile.gettempdir()) / "magazine-search-bench.sqlite3"))
    parser.add_argument("--fresh", action="store_true", help="Start from an empty database.")
    parser.add_argument("--rebuild", action="store_true", help="Also time a full rebuild_search_index.")
    parser.add_argument("--pg-database", default=BENCH_DATABASE, help=f"PostgreSQL database (default {BENCH_DATABASE}).")
    options = parser.parse_args()
    where = _configure(options)

    import django

    django.setup()
    from io import StringIO

    from django.conf import settings

    # The page is rendered without collectstatic having run: plain static URLs, no manifest.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles import search
    from articles.models import Article, Region, SearchDocument, Topic

    call_command("migrate", verbosity=0)
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    print(f"database: {connection.vendor} {version} ({where})")

    started = time.monotonic()
    call_command("seed_demo", articles=options.articles, stdout=StringIO())
    print(f"seed_demo --articles {options.articles:,} (top-up and indexing): {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    written = search.index_missing()
    print(f"documents missing afterwards: {written} (checked in {time.monotonic() - started:.2f} s)")
    if options.rebuild:
        started = time.monotonic()
        call_command("rebuild_search_index", stdout=StringIO())
        print(f"rebuild_search_index (every article): {time.monotonic() - started:.1f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does a little after a bulk load (done here too, in case the server
        # runs with autovacuum off); without ANALYZE the planner still believes the tables are
        # nearly empty and picks plans that take seconds.
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE articles_article, articles_searchdocument, articles_region")
        print(f"VACUUM ANALYZE: {time.monotonic() - started:.1f} s")
    live = Article.objects.published().count()
    print(f"live articles: {live:,}; search documents: {SearchDocument.objects.count():,}")

    region = Region.objects.filter(slug="shanghai").first() or Region.objects.order_by("pk").first()
    rare = _rare_word()
    topic = Topic.objects.filter(slug="food-drink").first() or Topic.objects.order_by("pk").first()
    month_ago = date.today() - timedelta(days=30)
    deep_page = 100  # hits 1,189-1,200: past the relevance window, in date order
    queries = [
        ("single word", "coffee", {}, {}),
        ("single word, newest first", "coffee", {}, {"sort": "newest"}),
        (f"single word, page {deep_page}", "coffee", {}, {"page": deep_page}),
        ("two words", "street food", {}, {}),
        ("phrase", '"live music"', {}, {}),
        ("rare word", rare, {}, {}),
        (f"word, region {region.slug}", "museum", {"region": region}, {}),
        (f"word, region {region.slug} + topic {topic.slug}", "coffee", {"region": region, "topic": topic}, {}),
        ("word, last 30 days", "coffee", {"date_from": month_ago}, {}),
        ("no match", "xylophonequartz", {}, {}),
        ("Chinese, two characters", "夜景", {}, {}),
        ("Chinese, three characters", "步行街", {}, {}),
        ("Chinese, five characters", "狗不理包子", {}, {}),
        ("Chinese, one character", "面", {}, {}),
        ("mixed English and Chinese", "Nanjing Road 步行街", {}, {}),
        ("Chinese, region name", "天津", {}, {}),
        ("Chinese, newest first", "步行街", {}, {"sort": "newest"}),
        ("Chinese, no match", "龙猫咖啡", {}, {}),
    ]

    client = Client()
    print()
    print(f"{options.repeat} runs each; search = count + first page of {PAGE_SIZE} hits with snippets and cards;")
    print("page = the whole /search/ response through the test client (template included).")
    print()
    print("| query | matches | search p50 ms | search p95 ms | page p50 ms | page p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, text, filters, shown_as in queries:
        def run(text=text, filters=filters, shown_as=shown_as):
            results = search.search(text, **filters, newest_first=shown_as.get("sort") == "newest")
            start = (shown_as.get("page", 1) - 1) * PAGE_SIZE
            return results.count(), results[start : start + PAGE_SIZE]

        matches, _ = run()  # warm the caches once
        samples = []
        for _ in range(options.repeat):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        params = {
            "q": text,
            **{name: getattr(value, "slug", None) or value.isoformat() for name, value in filters.items()},
            **shown_as,
        }
        url = "/search/?" + urlencode(params)
        assert client.get(url, secure=True).status_code == 200
        page_samples = []
        for _ in range(options.repeat):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            page_samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        p50, p95 = _percentiles(samples)
        page50, page95 = _percentiles(page_samples)
        shown = text if len(text) < 30 else text[:27] + "..."
        print(f"| {label}: `{shown}` | {matches:,} | {p50:.1f} | {p95:.1f} | {page50:.1f} | {page95:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
