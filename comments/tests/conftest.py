import pytest

from comments.models import CommentPolicy
from comments.tests.helpers import ensure_staff_groups


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    """No waiting before a post in tests; the timestamp check itself is tested on its own."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def policy(db):
    """The comment policy row the data migration made, to be changed by a test."""
    found, _ = CommentPolicy.objects.get_or_create(pk=1)
    return found


def set_policy(policy, **changes):
    from comments import services
    from magazine.cache import bump_versions

    for name, value in changes.items():
        setattr(policy, name, value)
    services.policy_save(policy=policy)
    bump_versions(("comments_policy", "all"))  # on_commit does not run inside a test transaction
    return policy


@pytest.fixture(autouse=True)
def _staff_groups(request):
    """Groups and the policy row come from data migrations; a transactional test elsewhere on
    the same worker may have flushed them, so put them back when they are missing."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    ensure_staff_groups()
