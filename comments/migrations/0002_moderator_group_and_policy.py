"""The Moderator group (comments only, no article editing) and the one comment policy row."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = [
    ("comments", "view_comment"),
    ("comments", "change_comment"),
    ("comments", "delete_comment"),
    ("comments", "moderate_comment"),
    ("comments", "view_commentflag"),
    ("comments", "delete_commentflag"),
    ("comments", "view_blockedterm"),
    ("comments", "add_blockedterm"),
    ("comments", "change_blockedterm"),
    ("comments", "delete_blockedterm"),
    ("comments", "view_knowncommenter"),
    ("comments", "add_knowncommenter"),
    ("comments", "change_knowncommenter"),
    ("comments", "delete_knowncommenter"),
    ("comments", "view_commentpolicy"),
    ("articles", "view_article"),
]
# Editors run the site: they choose the comment policy and may moderate too.
EDITOR_EXTRA = [
    ("comments", "view_comment"),
    ("comments", "change_comment"),
    ("comments", "moderate_comment"),
    ("comments", "view_commentpolicy"),
    ("comments", "change_commentpolicy"),
]


def forwards(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def grant(group, codes):
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

    moderator, _ = Group.objects.get_or_create(name="Moderator")
    grant(moderator, MODERATOR)
    editor = Group.objects.filter(name="Editor").first()
    if editor is not None:
        grant(editor, EDITOR_EXTRA)
    apps.get_model("comments", "CommentPolicy").objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderator").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
