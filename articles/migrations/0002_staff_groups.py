"""Staff roles: Writer and Editor groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SHARED = [
    ("articles", "view_region"),
    ("articles", "view_topic"),
    ("articles", "view_author"),
    ("articles", "view_article"),
    ("articles", "add_article"),
    ("articles", "change_article"),
    ("articles", "view_image"),
    ("articles", "add_image"),
    ("articles", "change_image"),
    ("articles", "view_rendition"),
    ("articles", "view_articleauthor"),
    ("articles", "add_articleauthor"),
    ("articles", "change_articleauthor"),
    ("articles", "delete_articleauthor"),
    ("articles", "view_readmorelink"),
    ("articles", "add_readmorelink"),
    ("articles", "change_readmorelink"),
    ("articles", "delete_readmorelink"),
    ("taggit", "view_tag"),
    ("taggit", "add_tag"),
]

GROUPS = {
    "Writer": SHARED + [("articles", "delete_article")],
    "Editor": SHARED
    + [
        ("articles", "delete_article"),
        ("articles", "publish_article"),
        ("articles", "delete_image"),
        ("articles", "add_region"),
        ("articles", "change_region"),
        ("articles", "add_topic"),
        ("articles", "change_topic"),
        ("articles", "add_author"),
        ("articles", "change_author"),
        ("taggit", "change_tag"),
        ("taggit", "delete_tag"),
        ("magazine", "view_sitesettings"),
        ("magazine", "change_sitesettings"),
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("magazine", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
