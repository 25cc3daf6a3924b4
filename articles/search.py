"""Site search: the full-text index of articles and the queries that read it.

One interface, one class per database:

- ``PostgresSearch``: a weighted ``tsvector`` in ``SearchDocument.vector`` with a GIN index,
  queried with ``websearch_to_tsquery`` and ranked with ``ts_rank`` (``SearchQuery`` /
  ``SearchRank``), snippets from ``ts_headline``.
- ``SQLiteSearch``: an FTS5 table over ``SearchDocument`` (external content, kept in step by
  triggers the migration made), ranked with ``bm25()``, snippets from ``snippet()``.

Writes: ``index_articles(ids)`` makes or refreshes the documents of those articles, ``remove(ids)``
drops them (deleting an article drops its document too, by cascade). Reads:
``search(query, region=, topic=, date_from=, date_to=)`` returns a lazy, sliceable
``SearchResults`` that a ``Paginator`` can page through: ``count()`` is one query, a page of
hits (ids, rank, snippet and the article with what its card needs) is two, whatever its size.

Order: relevance among the newest ``RANK_WINDOW`` matches, then any older matches newest
first, so a word found in a fifth of all articles costs about what a rarer one does.

Only articles live by ``Article.objects.published()`` are ever returned; documents of drafts
and scheduled articles are kept, and the publish rule is applied when the query runs.
PostgreSQL counts and orders matches from each document's copy of its article's publish
time, region and topic (``Filters.documents``); SQLite reads the live articles from their
(status, published_at) index (``Filters.articles``). Either way the hits shown are read
through ``published()``.

Reader input never reaches the database as query syntax: ``parse_query`` keeps words, quoted
phrases, ``-exclusions`` and ``or`` and nothing else, and each backend writes them out in its
own syntax. Snippets are escaped before the matched words are wrapped in ``<mark>``.

Chinese (and Japanese kana), which is written without spaces, is indexed one character per
token: ``segment`` puts an invisible separator (U+200B) between the characters of a run, which
both FTS5's ``unicode61`` and PostgreSQL's parser treat as a word boundary, and a Chinese word
in a query becomes the phrase of its characters (南京路 → "南 京 路"), so any word is found
wherever it stands in running text, two-character words included. Index and query both go
through this module (``segment``, ``query_words``), and both fold letters and digits to their
NFKC form, so full-width letters (ＡＢＣ) match plain ones. The separator is taken out of snippets before they are shown,
and the marks the database put around each matched character are joined into one.
README ("Search") has the measurements behind the choice (a segmenter and bigrams were tried).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, ArticleAuthor, Region, SearchDocument, Topic
from articles.querysets import live_by, live_from, regions_within

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
INDEX_BATCH = 500
SNIPPET_WORDS = 28
# Each Chinese character is a token of its own, so a snippet for a query with Chinese words
# counts more tokens to show about as much text.
SNIPPET_TOKENS_CJK = 80
# Relevance orders the newest RANK_WINDOW matches; any older matches follow them, newest first.
# Ranking reads each candidate's whole index entry, so this bounds the cost of a common word
# (a fifth of 100,000 articles) to that of a rarer one; a reader rarely pages past it.
RANK_WINDOW = 1000

TEXT_FIELDS = ("title", "standfirst", "body", "tags", "authors")
STATE_FIELDS = ("live_from", "region", "topic")

# Private-use characters mark the matched words in the database's snippet; the text is escaped
# in Python and only then are the marks turned into <mark> tags. They are removed from the
# indexed text, so an article can never contain one.
MARK_START = "\ue000"
MARK_END = "\ue001"

# PostgreSQL's English stop words (its english.stop list). Dropped from bare words on both
# databases so the same query finds the same articles, and so "the" does not rank every row.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
    """.split()
)

# Scripts written without spaces between words: CJK ideographs (with extensions A-G and the
# compatibility block, which NFKC mostly folds away), hiragana and katakana.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
SEPARATOR = "\u200b"  # ZERO WIDTH SPACE: a word boundary to FTS5 and to PostgreSQL, invisible if left
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_SPLIT = re.compile(rf"([{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
# Removed from indexed and query text: the snippet marks, the separator, lone surrogates
# (which no database can store) and other characters that are not text.
_UNWANTED = re.compile(f"[{MARK_START}{MARK_END}{SEPARATOR}\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f]")

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


# --- text: the one place that knows about scripts ---------------------------------------------


@functools.cache
def _compatibility_letters() -> re.Pattern:
    """Letters and digits NFKC folds (ＡＢＣ, ｱ, ², ﬁ, compatibility ideographs), as one class.

    Only these are folded: Chinese punctuation (，。（）) stays as written, so snippets read right.
    """
    chars = (chr(c) for c in [*range(0x80, 0x10000), *range(0x2F800, 0x2FA20)])
    folded = [c for c in chars if c.isalnum() and unicodedata.normalize("NFKC", c) != c]
    ranges: list[list[int]] = []
    for code in map(ord, folded):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]+")


def _normal(text: str) -> str:
    text = _UNWANTED.sub("", text)
    return _compatibility_letters().sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def segment(text: str) -> str:
    """Text as it is indexed: letters NFKC-folded, one token per CJK character (``SEPARATOR`` between)."""
    # The separator goes around every run too, which is harmless beside a space and needed
    # beside a Latin letter (IFC商场); substituting runs only keeps English text fast.
    return _CJK_RUN.sub(_separated, _SPACE.sub(" ", _normal(text)).strip())


def _separated(run: re.Match) -> str:
    return SEPARATOR + SEPARATOR.join(run.group()) + SEPARATOR


def query_words(text: str) -> tuple[str, ...]:
    """The index tokens of a piece of query text: words, each CJK character on its own."""
    return tuple(
        token
        for word in _WORD.findall(_normal(text).lower())
        for token in _CJK_SPLIT.split(word)
        if token
    )


def unsegment(text: str) -> str:
    """Indexed text as readers see it: no separators, adjacent match marks joined."""
    return text.replace(SEPARATOR, "").replace(MARK_END + MARK_START, "")


# --- query parsing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Articles matching every ``include`` term and no ``exclude`` term; a term is a word or phrase."""

    include: tuple[tuple[str, ...], ...]
    exclude: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ParsedQuery:
    """What a reader typed, reduced to words: any group of terms may match (``or``)."""

    text: str
    groups: tuple[Group, ...]
    truncated: bool = False

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def snippet_tokens(self) -> int:
        """How many index tokens a snippet of this query's matches may hold."""
        words = (w for g in self.groups for terms in (g.include, g.exclude) for t in terms for w in t)
        return SNIPPET_TOKENS_CJK if any(_CJK_CHAR.fullmatch(w) for w in words) else SNIPPET_WORDS

    def websearch(self) -> str:
        """The query in PostgreSQL's ``websearch_to_tsquery`` syntax."""

        def term(words: tuple[str, ...]) -> str:
            return " ".join(words) if len(words) == 1 else '"' + " ".join(words) + '"'

        return " or ".join(
            " ".join([term(t) for t in group.include] + ["-" + term(t) for t in group.exclude])
            for group in self.groups
        )

    def fts5(self) -> str:
        """The query in SQLite FTS5 syntax; every term is a quoted string of plain words."""

        def term(words: tuple[str, ...]) -> str:
            return '"' + " ".join(words) + '"'

        parts = []
        for group in self.groups:
            expression = " AND ".join(term(t) for t in group.include)
            for excluded in group.exclude:
                expression += " NOT " + term(excluded)
            parts.append(f"({expression})")
        return " OR ".join(parts)


def parse_query(text: str | None) -> ParsedQuery:
    """Words, "quoted phrases", -exclusions and ``or`` from free text; anything else is ignored.

    Longer input than ``MAX_QUERY_CHARS`` is cut (``truncated`` says so); at most ``MAX_TERMS``
    terms are kept. Punctuation, emoji and stop words alone leave an empty query.
    """
    text = _UNWANTED.sub("", text or "").strip()
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        text = text[:MAX_QUERY_CHARS].rstrip()
    groups: list[Group] = []
    include: list[tuple[str, ...]] = []
    exclude: list[tuple[str, ...]] = []
    terms = 0

    def close_group():
        nonlocal include, exclude
        if include:  # a group of exclusions alone would match nearly everything
            groups.append(Group(tuple(include), tuple(exclude)))
        include, exclude = [], []

    for match in _TOKEN.finditer(text):
        negated_phrase, phrase, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            close_group()
            continue
        if terms >= MAX_TERMS:
            break
        negated = bool(negated_phrase) if bare is None else bare.startswith("-")
        # A Chinese word is the phrase of its characters, as they were indexed.
        words = query_words(phrase if bare is None else bare)
        if not words:
            continue
        if bare is not None and len(words) == 1 and words[0] in STOP_WORDS:
            continue
        (exclude if negated else include).append(words)
        terms += 1
    close_group()
    return ParsedQuery(text=text, groups=tuple(groups), truncated=truncated)


# --- documents --------------------------------------------------------------------------------


def _plain(value: str) -> str:
    return segment(value)


def body_text(body_html: str) -> str:
    """The words of a rendered body, without tags or entities (the HTML is already sanitised)."""
    return _plain(html.unescape(_TAG.sub(" ", body_html)))


def build_documents(ids: Iterable[int]) -> list[SearchDocument]:
    """The search documents of these articles as they are now, in three queries."""
    articles = list(
        Article.objects.filter(pk__in=list(ids))
        .select_related("region")
        .only(
            "pk", "title", "standfirst", "body_html", "status", "published_at", "region_id", "topic_id",
            "region__name_zh",
        )
        .prefetch_related("tags")
        .order_by()
    )
    bylines: dict[int, list[str]] = {}
    for article_id, name in (
        ArticleAuthor.objects.filter(article__in=[a.pk for a in articles])
        .order_by("article_id", "sort_order", "id")
        .values_list("article_id", "author__name")
    ):
        bylines.setdefault(article_id, []).append(name)
    return [
        SearchDocument(
            article_id=article.pk,
            title=_plain(article.title),
            standfirst=_plain(article.standfirst),
            body=body_text(article.body_html),
            # The region's Chinese name is found with the tags (天津 finds Tianjin's stories).
            tags=_plain(" ".join([*(tag.name for tag in article.tags.all()), article.region.name_zh])),
            authors=_plain(", ".join(bylines.get(article.pk, []))),
            live_from=live_from(article.status, article.published_at),
            region_id=article.region_id,
            topic_id=article.topic_id,
        )
        for article in articles
    ]


# --- results ----------------------------------------------------------------------------------


@dataclass
class Hit:
    article: Article
    rank: float
    snippet: SafeString


def highlight(marked: str | None) -> SafeString:
    """Escape a snippet from the database, then turn its match marks into <mark> tags."""
    text = escape(unsegment(marked or ""))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 - escaped above


@dataclass
class Filters:
    region: Region | None = None
    topic: Topic | None = None
    date_from: date | None = None
    date_to: date | None = None

    def documents(self, *, now: datetime | None = None):
        """The same filters read from the search documents' own copy of each article's state.

        PostgreSQL counts and orders matches with this, so it never visits the matches' article
        rows; the hits it shows are still read through ``published()`` (``SearchResults``).
        """
        documents = SearchDocument.objects.filter(live_by(now))
        if self.region is not None:
            documents = documents.filter(region_id__in=regions_within(self.region))
        if self.topic is not None:
            documents = documents.filter(topic_id=self.topic.pk)
        if self.date_from is not None:
            documents = documents.filter(live_from__gte=_start_of(self.date_from))
        if self.date_to is not None:
            documents = documents.filter(live_from__lt=_start_of(self.date_to + timedelta(days=1)))
        return documents

    def articles(self):
        """The live articles the search may return: the one place the publish rule comes from."""
        articles = Article.objects.published().order_by()
        if self.region is not None:
            articles = articles.in_region(self.region)
        if self.topic is not None:
            articles = articles.in_topic(self.topic)
        if self.date_from is not None:
            articles = articles.filter(published_at__gte=_start_of(self.date_from))
        if self.date_to is not None:
            articles = articles.filter(published_at__lt=_start_of(self.date_to + timedelta(days=1)))
        return articles


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class SearchResults:
    """A lazy list of hits, best first; ``count()`` and each slice cost a fixed number of queries."""

    backend: SearchBackend
    query: ParsedQuery
    filters: Filters
    newest_first: bool = False
    _count: int | None = field(default=None, repr=False)

    def count(self) -> int:
        if self._count is None:
            self._count = self.backend.count(self.query, self.filters) if self.query else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, int):
            hits = self[key : key + 1]
            if not hits:
                raise IndexError("search result index out of range")
            return hits[0]
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count()
        if not self.query or stop <= start:
            return []
        rows = self.backend.page(
            self.query, self.filters, offset=start, limit=stop - start, window=0 if self.newest_first else RANK_WINDOW
        )
        cards = Article.objects.published().with_cards().in_bulk([article_id for article_id, _, _ in rows])
        return [
            Hit(article=cards[article_id], rank=rank, snippet=highlight(snippet))
            for article_id, rank, snippet in rows
            if article_id in cards
        ]


# --- backends ---------------------------------------------------------------------------------


class SearchBackend:
    """What every database does alike: documents are rows of ``SearchDocument``."""

    vendor = ""

    def index_articles(self, ids: Iterable[int]) -> int:
        ids = list(dict.fromkeys(ids))
        written = 0
        for start in range(0, len(ids), INDEX_BATCH):
            batch = ids[start : start + INDEX_BATCH]
            documents = build_documents(batch)
            with transaction.atomic():
                SearchDocument.objects.bulk_create(
                    documents,
                    update_conflicts=True,
                    unique_fields=["article"],
                    update_fields=[*TEXT_FIELDS, *STATE_FIELDS],
                )
                self.after_write([d.article_id for d in documents])
                # An id with no article left: its document goes too.
                gone = set(batch) - {d.article_id for d in documents}
                if gone:
                    SearchDocument.objects.filter(article_id__in=gone).delete()
            written += len(documents)
        return written

    def after_write(self, ids: list[int]) -> None:
        """Bring the database's own index up to date for documents just written."""

    def remove(self, ids: Iterable[int]) -> None:
        SearchDocument.objects.filter(article_id__in=list(ids)).delete()

    def search(
        self, query: str | ParsedQuery, *, region=None, topic=None, date_from=None, date_to=None, newest_first=False
    ) -> SearchResults:
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        return SearchResults(self, parsed, Filters(region, topic, date_from, date_to), newest_first=newest_first)

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        raise NotImplementedError

    def page(
        self, query: ParsedQuery, filters: Filters, *, offset: int, limit: int, window: int
    ) -> list[tuple[int, float, str]]:
        """(article id, rank, marked snippet) for one page of results.

        The newest ``window`` matches come first, best first; the rest follow newest first
        (so a window of 0 is simply newest first).
        """
        raise NotImplementedError

    def index_exists(self) -> bool:
        raise NotImplementedError


class PostgresSearch(SearchBackend):
    vendor = "postgresql"
    config = "english"

    def vector(self):
        from django.contrib.postgres.search import SearchVector

        return (
            SearchVector("title", weight="A", config=self.config)
            + SearchVector("standfirst", weight="B", config=self.config)
            + SearchVector("tags", "authors", weight="C", config=self.config)
            + SearchVector("body", weight="D", config=self.config)
        )

    def after_write(self, ids: list[int]) -> None:
        if ids:
            SearchDocument.objects.filter(article_id__in=ids).update(vector=self.vector())

    def _tsquery(self, query: ParsedQuery):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(query.websearch(), search_type="websearch", config=self.config)

    def _matches(self, query: ParsedQuery, filters: Filters):
        """Matching documents of live articles, from the document rows alone (no article join)."""
        return filters.documents().filter(vector=self._tsquery(query))

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        return self._matches(query, filters).count()

    def page(self, query, filters, *, offset, limit, window):
        # Number the matches newest first; rank the first ``window`` of them (ts_rank reads
        # the whole vector, out of line, so it runs for those rows only), sort, cut the page,
        # and only then make the page's snippets (ts_headline re-reads the text).
        matches_sql, matches_params = (
            self._matches(query, filters).values("article_id", "live_from", "vector").query.sql_with_params()
        )
        tsquery = "websearch_to_tsquery(%s::regconfig, %s)"
        tsquery_params = [self.config, query.websearch()]
        tokens = query.snippet_tokens
        headline_options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={tokens}, MinWords={tokens * 3 // 7}, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        order = "page.pos > %s, page.rank DESC NULLS LAST, page.live_from DESC, page.article_id DESC"
        sql = f"""
            SELECT page.article_id, page.rank,
                   ts_headline(%s::regconfig, doc.standfirst || ' ' || doc.body, {tsquery}, %s)
            FROM (
                SELECT numbered.article_id, numbered.live_from, numbered.pos,
                       CASE WHEN numbered.pos <= %s THEN ts_rank(numbered.vector, {tsquery}) END AS rank
                FROM (
                    SELECT matches.article_id, matches.live_from, matches.vector,
                           row_number() OVER (ORDER BY matches.live_from DESC, matches.article_id DESC) AS pos
                    FROM ({matches_sql}) AS matches
                ) AS numbered
                ORDER BY numbered.pos > %s, rank DESC NULLS LAST, numbered.live_from DESC,
                         numbered.article_id DESC
                LIMIT %s OFFSET %s
            ) AS page
            JOIN {SearchDocument._meta.db_table} AS doc ON doc.article_id = page.article_id
            ORDER BY {order}
        """
        params = [
            self.config, *tsquery_params, headline_options,
            window, *tsquery_params, *matches_params,
            window, limit, offset,
            window,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(pk, rank or 0.0, snippet) for pk, rank, snippet in cursor.fetchall()]

    def index_exists(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexname = %s AND indexdef ILIKE %s",
                [SearchDocument._meta.db_table, "searchdoc_vector_gin", "%USING gin%"],
            )
            return cursor.fetchone() is not None


class SQLiteSearch(SearchBackend):
    vendor = "sqlite"
    table = "articles_search_fts"
    # bm25 weights per FTS5 column: title, standfirst, body, tags, authors.
    weights = "10.0, 4.0, 1.0, 3.0, 3.0"

    def _live(self, filters: Filters) -> tuple[str, tuple]:
        return filters.articles().values("id", "published_at").query.sql_with_params()

    # The plans below are spelled out because SQLite's own choices can be slow at scale:
    # probing the FTS5 table once per live article took from 3 to 37 seconds at 100,000
    # articles (a date or region + topic filter was enough to get there). Instead the matches
    # are collected once (MATERIALIZED), then each match's article is looked up by its rowid
    # and checked against the filters (CROSS JOIN keeps that order): the cost follows the
    # number of matches whatever the filters. The count lets SQLite pick, as every filter
    # combination measured (bench/search.py) stayed near 50 ms.

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        live_sql, live_params = self._live(filters)
        sql = (
            f"SELECT COUNT(*) FROM ({live_sql}) AS live "
            f"WHERE live.id IN (SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*live_params, query.fts5()])
            return cursor.fetchone()[0]

    def page(self, query, filters, *, offset, limit, window):
        live_sql, live_params = self._live(filters)
        match = query.fts5()
        # Number the live matches newest first, rank the first ``window`` by bm25 (older
        # matches follow, newest first), and make snippets for the page's rows only.
        sql = f"""
            WITH matches AS MATERIALIZED (
                SELECT rowid AS id, bm25({self.table}, {self.weights}) AS score
                FROM {self.table} WHERE {self.table} MATCH %s
            ),
            numbered AS (
                SELECT matches.id AS id, matches.score AS score, live.published_at AS published_at,
                       row_number() OVER (ORDER BY live.published_at DESC, live.id DESC) AS pos
                FROM matches CROSS JOIN ({live_sql}) AS live ON live.id = matches.id
            ),
            ranked AS (
                SELECT id, CASE WHEN pos <= %s THEN score END AS score, published_at, pos
                FROM numbered
                ORDER BY pos > %s, score, published_at DESC, id DESC
                LIMIT %s OFFSET %s
            )
            SELECT ranked.id, -ranked.score,
                   snippet({self.table}, 2, %s, %s, '…', {min(64, query.snippet_tokens // 2)}),
                   snippet({self.table}, 1, %s, %s, '…', {min(64, query.snippet_tokens // 2)})
            FROM ranked JOIN {self.table} ON {self.table}.rowid = ranked.id
            WHERE {self.table} MATCH %s
            ORDER BY ranked.pos > %s, ranked.score, ranked.published_at DESC, ranked.id DESC
        """
        params = [
            match, *live_params,
            window, window, limit, offset,
            MARK_START, MARK_END, MARK_START, MARK_END, match,
            window,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            # The body's words where they matched, else the standfirst's, else the body's opening.
            return [
                (pk, rank or 0.0, body if MARK_START in body or MARK_START not in standfirst else standfirst)
                for pk, rank, body, standfirst in cursor.fetchall()
            ]

    def index_exists(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [self.table])
            row = cursor.fetchone()
        return row is not None and "fts5" in row[0].lower()

    def check_integrity(self) -> None:
        """Raise if the FTS5 index and the documents disagree (FTS5's own integrity check)."""
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {self.table}({self.table}, rank) VALUES ('integrity-check', 1)")

    def rebuild_fts(self) -> None:
        """Re-read every document into the FTS5 index (FTS5's 'rebuild' command)."""
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {self.table}({self.table}) VALUES ('rebuild')")


BACKENDS = {backend.vendor: backend for backend in (PostgresSearch, SQLiteSearch)}


def backend() -> SearchBackend:
    try:
        return BACKENDS[connection.vendor]()
    except KeyError:
        raise NotImplementedError(
            f"Site search supports PostgreSQL and SQLite, not {connection.vendor}."
        ) from None


# --- the module's interface -------------------------------------------------------------------


def index_articles(ids: Iterable[int]) -> int:
    """Make or refresh the search documents of these articles; returns how many were written."""
    return backend().index_articles(ids)


def remove(ids: Iterable[int]) -> None:
    backend().remove(ids)


def search(query: str | ParsedQuery, *, region: Region | None = None, topic: Topic | None = None,
           date_from: date | None = None, date_to: date | None = None, newest_first: bool = False) -> SearchResults:
    """Live articles matching ``query``: the best of the newest RANK_WINDOW first, then newest.

    ``newest_first`` orders every match by publish time instead.
    """
    return backend().search(
        query, region=region, topic=topic, date_from=date_from, date_to=date_to, newest_first=newest_first
    )


def index_exists() -> bool:
    return backend().index_exists()


def _in_batches(ids: Sequence[int], size: int, say: Callable[[str], None] | None, what: str) -> int:
    total, done = len(ids), 0
    for start in range(0, total, size):
        done += index_articles(ids[start : start + size])
        if say:
            say(f"  {what}: {min(start + size, total):,}/{total:,} articles")
    return done


def index_missing(*, batch_size: int = 2000, say: Callable[[str], None] | None = None) -> int:
    """Index the articles that have no search document yet (e.g. after a bulk load)."""
    ids = list(
        Article.objects.filter(search_document__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    return _in_batches(ids, batch_size, say, "indexed") if ids else 0


def rebuild(*, batch_size: int = 2000, say: Callable[[str], None] | None = None) -> int:
    """Rewrite every article's document, then drop documents whose article is gone."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    written = _in_batches(ids, batch_size, say, "rebuilt")
    SearchDocument.objects.exclude(article_id__in=Article.objects.values("pk")).delete()
    if isinstance(backend(), SQLiteSearch):
        SQLiteSearch().rebuild_fts()
    return written


def index_region_articles(region_id: int, *, batch_size: int = 2000) -> int:
    """Refresh the documents of every article in the region (after its Chinese name changed)."""
    ids = list(Article.objects.filter(region_id=region_id).order_by("pk").values_list("pk", flat=True))
    return _in_batches(ids, batch_size, None, "indexed")


def index_author_articles(author_id: int, *, batch_size: int = 2000) -> int:
    """Refresh the documents of every article in the author's byline (after a rename)."""
    ids = list(
        ArticleAuthor.objects.filter(author_id=author_id).order_by("article_id").values_list("article_id", flat=True)
    )
    return _in_batches(ids, batch_size, None, "indexed")
