from django.db import migrations, models

import newsletter.models


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0005_send_web_id_values")]

    operations = [
        migrations.AlterField(
            model_name="send",
            name="web_id",
            field=models.SlugField(
                default=newsletter.models.new_web_id,
                editable=False,
                help_text="The id in the address of the web version.",
                max_length=24,
                unique=True,
            ),
        ),
    ]
