"""Tests that flush the database (transactional, browser) leave the next test the groups, grants and
starting rows the data migrations made: the test helpers rebuild them exactly."""

import pytest
from django.contrib.auth.models import Group

from articles.tests.factories import UserFactory
from comments.tests.helpers import ensure_staff_groups


@pytest.mark.django_db
def test_groups_come_back_after_a_flush():
    ensure_staff_groups()  # the baseline: as the migrations left it (a test before may have flushed it)
    expected = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    from comments.models import CommentPolicy
    from magazine.models import SitePage
    from newsletter.models import Newsletter

    pages, letters = SitePage.objects.count(), Newsletter.objects.count()
    for model in (Group, Newsletter, SitePage, CommentPolicy):
        model.objects.all().delete()
    user = UserFactory(username="x", groups=["Editor"])
    got = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert got == expected
    assert SitePage.objects.count() == pages and Newsletter.objects.count() == letters
    assert user.has_perm("articles.publish_article")
