"""Editors also look up staff accounts (to link an author to one) and run the print archive."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_EXTRA = [
    ("auth", "view_user"),
    ("magazine", "view_cityedition"),
    ("magazine", "add_cityedition"),
    ("magazine", "change_cityedition"),
    ("magazine", "view_edition"),
    ("magazine", "add_edition"),
    ("magazine", "change_edition"),
    ("magazine", "delete_edition"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name="Editor")
    for app_label, codename in EDITOR_EXTRA:
        editor.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor = Group.objects.filter(name="Editor").first()
    if editor:
        for app_label, codename in EDITOR_EXTRA:
            editor.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_image_rendition_summary"),
        ("magazine", "0002_print_editions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
