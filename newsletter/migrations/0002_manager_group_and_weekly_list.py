"""The Newsletter manager staff role, and the weekly digest list the sign-up boxes offer."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_PERMISSIONS = [
    ("newsletter", "view_newsletter"),
    ("newsletter", "add_newsletter"),
    ("newsletter", "change_newsletter"),
    ("newsletter", "view_subscriber"),
    ("newsletter", "add_subscriber"),
    ("newsletter", "change_subscriber"),
    ("newsletter", "delete_subscriber"),
    ("newsletter", "view_subscription"),
    ("newsletter", "add_subscription"),
    ("newsletter", "change_subscription"),
    ("newsletter", "delete_subscription"),
    ("newsletter", "view_subscriberevent"),
    ("newsletter", "view_send"),
    ("newsletter", "add_send"),
    ("newsletter", "change_send"),
    ("newsletter", "delete_send"),
    ("newsletter", "start_send"),
    ("newsletter", "view_sendarticle"),
    ("newsletter", "add_sendarticle"),
    ("newsletter", "change_sendarticle"),
    ("newsletter", "delete_sendarticle"),
    ("newsletter", "view_delivery"),
    ("articles", "view_article"),
    ("articles", "view_region"),
    ("articles", "view_topic"),
]


def forwards(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Newsletter manager")
    for app_label, codename in MANAGER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    Newsletter = apps.get_model("newsletter", "Newsletter")
    Newsletter.objects.get_or_create(
        slug="7-days-in-china",
        defaults={
            "name": "7 Days in China",
            "description": "The week's best stories from the cities of China, picked for the regions and topics you choose.",
            "cadence": "weekly on Wednesday",
            "is_default": True,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Newsletter manager").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("articles", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
