"""Search documents carry the article's publish time, region and topic.

PostgreSQL then filters and counts matches from the document row alone instead of visiting
every matching article (18,556 article rows for a common word at 100,000 articles). Its
document rows are also made narrow: ``toast_tuple_target`` moves the long text and the vector
out of the main table, so scanning a few thousand matching rows reads a few hundred pages.

On SQLite the FTS5 update trigger is narrowed to the text columns, so writing these columns
(as the backfill below does for every row) does not re-tokenise the documents.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_articles(apps, schema_editor):
    SearchDocument = apps.get_model("articles", "SearchDocument")
    Article = apps.get_model("articles", "Article")
    article = Article.objects.filter(pk=OuterRef("article_id"))
    SearchDocument.objects.update(
        live_from=Subquery(article.filter(status="published").values("published_at")[:1]),
        region_id=Subquery(article.values("region_id")[:1]),
        topic_id=Subquery(article.values("topic_id")[:1]),
    )


SQLITE_TEXT_TRIGGER = """
    CREATE TRIGGER articles_search_fts_update
    AFTER UPDATE OF title, standfirst, body, tags, authors ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, title, standfirst, body, tags, authors)
        VALUES ('delete', old.article_id, old.title, old.standfirst, old.body, old.tags, old.authors);
        INSERT INTO articles_search_fts(rowid, title, standfirst, body, tags, authors)
        VALUES (new.article_id, new.title, new.standfirst, new.body, new.tags, new.authors);
    END
"""

SQLITE_ANY_TRIGGER = SQLITE_TEXT_TRIGGER.replace(
    "AFTER UPDATE OF title, standfirst, body, tags, authors ON", "AFTER UPDATE ON"
)


class RunSQLOn(migrations.RunSQL):
    """Database work for one vendor only; no model state changes."""

    def __init__(self, vendor, *args, **kwargs):
        self.vendor = vendor
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, *args], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0007_views_redirects_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="live_from",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="region",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.region",
            ),
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="topic",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="articles.topic",
            ),
        ),
        RunSQLOn(
            "postgresql",
            sql="ALTER TABLE articles_searchdocument SET (toast_tuple_target = 128)",
            reverse_sql="ALTER TABLE articles_searchdocument RESET (toast_tuple_target)",
        ),
        RunSQLOn(
            "sqlite",
            sql=["DROP TRIGGER IF EXISTS articles_search_fts_update", SQLITE_TEXT_TRIGGER],
            reverse_sql=["DROP TRIGGER IF EXISTS articles_search_fts_update", SQLITE_ANY_TRIGGER],
        ),
        migrations.RunPython(copy_from_articles, migrations.RunPython.noop),
    ]
