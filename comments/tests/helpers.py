"""Small helpers shared by the comment tests."""

import re

from django.core import mail

from comments import spam


def form_data(article, **overrides):
    data = {
        "name": "Li Wei",
        "email": "li.wei@example.com",
        "body": "A fine piece about the new metro line.",
        "timestamp": spam.form_timestamp(article_id=article.pk),
        "website": "",
        "parent": "",
    }
    data.update(overrides)
    return data


def post_url(article):
    return f"/comments/post/{article.pk}/"


def links_in_last_mail(to: str) -> dict[str, str]:
    """The confirm/delete/unsubscribe paths in the newest email sent to ``to``."""
    message = [m for m in mail.outbox if to in m.to][-1]
    found = {}
    for kind in ("confirm", "delete", "unsubscribe"):
        match = re.search(rf"https?://[^/\s]+(/comments/{kind}/[^\s]+/)", message.body)
        if match:
            found[kind] = match.group(1)
    return found


# The data migrations that make staff groups, their grants and the rows every site starts with,
# in the order they run.
DATA_MIGRATIONS = [
    ("articles.migrations.0002_staff_groups", "create_groups"),
    ("articles.migrations.0005_editor_permissions", "grant"),
    ("articles.migrations.0010_article_notes", "grant"),
    ("comments.migrations.0002_moderator_group_and_policy", "forwards"),
    ("newsletter.migrations.0002_manager_group_and_weekly_list", "forwards"),
    ("newsletter.migrations.0003_subscriber_lift_suppression", "forwards"),
    ("magazine.migrations.0005_sitepage", "create_pages"),
    ("magazine.migrations.0005_sitepage", "let_editors_edit_pages"),
]


def ensure_staff_groups() -> None:
    """Put back the groups, grants and starting rows the data migrations made, if a transactional
    test on the same worker flushed them: each data migration runs again (they are idempotent)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from newsletter.models import Newsletter

    wanted = {"Writer", "Editor", "Moderator", "Newsletter manager"}
    if set(Group.objects.filter(name__in=wanted).values_list("name", flat=True)) == wanted and Newsletter.objects.exists():
        return
    # Content types made again under new ids after a flush: ids cached in this process are stale.
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for module, function in DATA_MIGRATIONS:
        # None for the schema editor: these functions only read and write rows.
        getattr(import_module(module), function)(apps, None)
