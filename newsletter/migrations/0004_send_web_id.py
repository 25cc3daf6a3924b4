from django.db import migrations, models


class Migration(migrations.Migration):
    """The web version's opaque id, in three steps (column, values, constraint) so existing issues
    each get their own id and PostgreSQL never checks the constraint mid-update."""

    dependencies = [("newsletter", "0003_subscriber_lift_suppression")]

    operations = [
        migrations.AddField(model_name="send", name="web_id", field=models.SlugField(max_length=24, null=True, editable=False)),
    ]
