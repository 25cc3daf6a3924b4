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


def ensure_staff_groups() -> None:
    """Put back the groups and the policy row the data migrations made, if a transactional
    test on the same worker flushed them."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    if Group.objects.filter(name="Moderator").exists():
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    staff = import_module("articles.migrations.0002_staff_groups").GROUPS
    ours = import_module("comments.migrations.0002_moderator_group_and_policy")
    wanted = {**staff, "Moderator": ours.MODERATOR}
    wanted["Editor"] = [*wanted["Editor"], *ours.EDITOR_EXTRA]
    for name, codes in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    from comments.models import CommentPolicy

    CommentPolicy.objects.get_or_create(pk=1)
