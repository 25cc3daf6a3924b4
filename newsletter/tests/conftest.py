import importlib

import pytest

from newsletter.tests.factories import NewsletterFactory

_seed = importlib.import_module("newsletter.migrations.0002_manager_group_and_weekly_list")
_lift = importlib.import_module("newsletter.migrations.0003_subscriber_lift_suppression")


@pytest.fixture(autouse=True)
def _newsletter_seed_data(db):
    """The group and weekly list the data migration makes. A transactional test run earlier in
    the same (xdist) worker flushes them, so make them again when they are missing."""
    from django.contrib.auth.models import Group, Permission

    from newsletter.models import Newsletter

    group, made = Group.objects.get_or_create(name="Newsletter manager")
    if made:
        if not Permission.objects.filter(content_type__app_label="newsletter").exists():
            # The flush took the permissions too (and post_migrate did not run): make them again.
            from django.apps import apps
            from django.contrib.auth.management import create_permissions

            for app_config in apps.get_app_configs():
                create_permissions(app_config, verbosity=0)
        for app_label, codename in _seed.MANAGER_PERMISSIONS + _lift.MANAGER_PERMISSIONS:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    Newsletter.objects.get_or_create(
        slug="7-days-in-china", defaults={"name": "7 Days in China", "cadence": "weekly on Wednesday", "is_default": True}
    )


@pytest.fixture
def weekly(db):
    """The default weekly list made by the data migration."""
    from newsletter.models import Newsletter

    return Newsletter.objects.get(slug="7-days-in-china")


@pytest.fixture
def city_list(db):
    return NewsletterFactory(name="Shanghai this week", slug="shanghai-this-week")


@pytest.fixture
def mail_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://magazine.example"
    return settings
