"""Staff may lift a bounce or complaint suppression (a permission the Newsletter manager role
holds), and the subscriber's history records who lifted it and why."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

MANAGER_PERMISSIONS = [("newsletter", "lift_suppression")]


def forwards(apps, schema_editor):
    # Permissions are normally made after all migrations; make this one now for the group.
    app_config = apps.get_app_config("newsletter")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Newsletter manager")
    for app_label, codename in MANAGER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="newsletter", codename="lift_suppression").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0002_manager_group_and_weekly_list"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="subscriber",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("lift_suppression", "Can lift the suppression of a bounced or complained address")],
            },
        ),
        migrations.AlterField(
            model_name="subscriberevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("signed_up", "Signed up"),
                    ("confirmation_sent", "Confirmation sent"),
                    ("confirmed", "Confirmed"),
                    ("preferences", "Changed preferences"),
                    ("unsubscribed", "Unsubscribed"),
                    ("resubscribed", "Resubscribed"),
                    ("exported", "Downloaded their data"),
                    ("bounced", "Bounced"),
                    ("complained", "Complained"),
                    ("imported", "Imported"),
                    ("suppression_lifted", "Suppression lifted by staff"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
