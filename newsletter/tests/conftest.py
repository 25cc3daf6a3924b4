import pytest

from newsletter.tests.factories import NewsletterFactory


@pytest.fixture(autouse=True)
def _newsletter_seed_data(db):
    """The group and weekly list the data migration makes. A transactional test run earlier in
    the same (xdist) worker flushes them, so make them again when they are missing."""
    from comments.tests.helpers import ensure_staff_groups
    from newsletter.models import Newsletter

    ensure_staff_groups()
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
