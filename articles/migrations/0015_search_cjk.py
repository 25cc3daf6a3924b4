"""Chinese in search: documents re-segmented, and Chinese names for regions and authors.

Search documents are rewritten the way ``articles.search.segment`` now writes them: letters
NFKC-folded (ＡＢＣ → ABC), each CJK character a token of its own (an invisible U+200B between them), so a Chinese
word is found inside running text. SQLite's FTS5 triggers re-index each rewritten row; on
PostgreSQL the vectors are recomputed. Regions' Chinese names reach their documents the next
time an article or its region is saved (``rebuild_search_index`` does every article at once).

The segmentation below is a copy of the one in ``articles.search`` as it stood when this
migration was written, so the migration keeps doing what it did when that module changes.
"""

import re
import unicodedata

from django.db import migrations, models

MARKS = "\ue000\ue001"
SEPARATOR = "\u200b"
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{CJK}]+")
UNWANTED = re.compile(f"[{MARKS}{SEPARATOR}\\ud800-\\udfff\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]")
SPACE = re.compile(r"\s+")
TEXT_FIELDS = ("title", "standfirst", "body", "tags", "authors")
BATCH = 1000

POSTGRES_VECTOR = """
    UPDATE articles_searchdocument SET vector =
        setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(standfirst, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(tags, '') || ' ' || COALESCE(authors, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'D')
    WHERE article_id = ANY(%s)
"""


def compatibility_letters():
    chars = (chr(c) for c in [*range(0x80, 0x10000), *range(0x2F800, 0x2FA20)])
    folded = [c for c in chars if c.isalnum() and unicodedata.normalize("NFKC", c) != c]
    ranges: list[list[int]] = []
    for code in map(ord, folded):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]+")


def segment(text, compatibility):
    text = compatibility.sub(lambda m: unicodedata.normalize("NFKC", m.group()), UNWANTED.sub("", text))
    return CJK_RUN.sub(lambda m: SEPARATOR + SEPARATOR.join(m.group()) + SEPARATOR, SPACE.sub(" ", text).strip())


def resegment(apps, schema_editor):
    SearchDocument = apps.get_model("articles", "SearchDocument")
    postgres = schema_editor.connection.vendor == "postgresql"
    compatibility = compatibility_letters()
    last = 0
    while True:
        documents = list(
            SearchDocument.objects.filter(article_id__gt=last).order_by("article_id").only(*TEXT_FIELDS)[:BATCH]
        )
        if not documents:
            return
        last = documents[-1].article_id
        changed = []
        for document in documents:
            values = {name: segment(getattr(document, name), compatibility) for name in TEXT_FIELDS}
            if any(values[name] != getattr(document, name) for name in TEXT_FIELDS):
                for name, value in values.items():
                    setattr(document, name, value)
                changed.append(document)
        if changed:
            SearchDocument.objects.bulk_update(changed, TEXT_FIELDS)
            if postgres:
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(POSTGRES_VECTOR, [[d.article_id for d in changed]])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0014_article_autosave"),
    ]

    operations = [
        migrations.AddField(
            model_name="region",
            name="name_zh",
            field=models.CharField(
                blank=True,
                help_text="Optional, e.g. 天津: shown beside the English name and found by search.",
                max_length=80,
                verbose_name="Chinese name",
            ),
        ),
        migrations.AddField(
            model_name="author",
            name="name_zh",
            field=models.CharField(
                blank=True, help_text="Optional: shown beside the English name.", max_length=120,
                verbose_name="Chinese name",
            ),
        ),
        migrations.RunPython(resegment, migrations.RunPython.noop, elidable=True),
    ]
