"""Site search: one plain-text document per article, and the database's full-text index on it.

PostgreSQL indexes a weighted ``tsvector`` column (kept current by ``articles.search``) with a
GIN index; SQLite keeps an FTS5 table over the same rows instead, with triggers that copy each
insert, update and delete of a document into it. Each vendor skips the other's half.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

SQLITE_FTS = [
    """
    CREATE VIRTUAL TABLE articles_search_fts USING fts5(
        title, standfirst, body, tags, authors,
        content='articles_searchdocument', content_rowid='article_id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER articles_search_fts_insert AFTER INSERT ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(rowid, title, standfirst, body, tags, authors)
        VALUES (new.article_id, new.title, new.standfirst, new.body, new.tags, new.authors);
    END
    """,
    """
    CREATE TRIGGER articles_search_fts_delete AFTER DELETE ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, title, standfirst, body, tags, authors)
        VALUES ('delete', old.article_id, old.title, old.standfirst, old.body, old.tags, old.authors);
    END
    """,
    """
    CREATE TRIGGER articles_search_fts_update AFTER UPDATE ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, title, standfirst, body, tags, authors)
        VALUES ('delete', old.article_id, old.title, old.standfirst, old.body, old.tags, old.authors);
        INSERT INTO articles_search_fts(rowid, title, standfirst, body, tags, authors)
        VALUES (new.article_id, new.title, new.standfirst, new.body, new.tags, new.authors);
    END
    """,
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_fts_update",
    "DROP TRIGGER IF EXISTS articles_search_fts_delete",
    "DROP TRIGGER IF EXISTS articles_search_fts_insert",
    "DROP TABLE IF EXISTS articles_search_fts",
]


class AddIndexOnPostgres(migrations.AddIndex):
    """The GIN index is part of the model on every database but is built only on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class RunSQLOnSQLite(migrations.RunSQL):
    """Database work for SQLite only; no model state changes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0005_editor_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("title", models.TextField(blank=True)),
                ("standfirst", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("tags", models.TextField(blank=True)),
                ("authors", models.TextField(blank=True)),
                ("vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
            ],
        ),
        AddIndexOnPostgres(
            model_name="searchdocument",
            index=django.contrib.postgres.indexes.GinIndex(fields=["vector"], name="searchdoc_vector_gin"),
        ),
        RunSQLOnSQLite(sql=SQLITE_FTS, reverse_sql=SQLITE_FTS_DROP),
    ]
