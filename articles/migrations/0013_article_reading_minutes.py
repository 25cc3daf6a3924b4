from django.db import migrations, models

BATCH = 1000


def fill_reading_minutes(apps, schema_editor):
    """Existing articles get the reading time their saved body gives (new saves compute it)."""
    from articles.models import reading_minutes_of

    Article = apps.get_model("articles", "Article")
    batch = []
    for article in Article.objects.only("pk", "body_blocks").iterator(chunk_size=BATCH):
        article.reading_minutes = reading_minutes_of(article.body_blocks or [])
        batch.append(article)
        if len(batch) >= BATCH:
            Article.objects.bulk_update(batch, ["reading_minutes"])
            batch = []
    if batch:
        Article.objects.bulk_update(batch, ["reading_minutes"])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0012_image_decorative"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="reading_minutes",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_reading_minutes, migrations.RunPython.noop, elidable=True),
    ]
