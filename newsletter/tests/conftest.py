import pytest

from newsletter.tests.factories import NewsletterFactory


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
