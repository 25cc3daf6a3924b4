"""What staff see in the admin's index, and the single-row settings that open on their form."""

import pytest
from django.urls import reverse

from articles.tests.factories import UserFactory
from comments.models import CommentPolicy
from comments.tests.helpers import ensure_staff_groups
from magazine.models import SiteSettings

pytestmark = pytest.mark.django_db

INTERNAL_LABELS = ["Taggit", "Axes", "Tasks database backend", "Django_rq", "Simple history"]


@pytest.fixture(autouse=True)
def _staff_groups(db):
    """A transactional test earlier on the same worker may have flushed the groups migrations made."""
    ensure_staff_groups()


def test_editor_index_shows_no_internal_app_labels(client):
    client.force_login(UserFactory(username="ed", groups=["Editor"]))

    page = client.get(reverse("admin:index")).content.decode()

    for label in INTERNAL_LABELS:
        assert label not in page, label
    # Tags stay at hand, in the Articles section.
    assert reverse("admin:taggit_tag_changelist") in page


def test_superuser_index_still_lists_every_app(client):
    client.force_login(UserFactory(username="chief", is_superuser=True))

    page = client.get(reverse("admin:index")).content.decode()

    assert "Axes" in page
    assert "Article tags" in page


def test_tag_pages_name_tags_as_staff_know_them(client):
    client.force_login(UserFactory(username="ed", groups=["Editor"]))

    page = client.get(reverse("admin:taggit_tag_changelist")).content.decode()

    assert page.count("Article tags") >= 1  # the breadcrumb
    assert "Taggit" not in page


@pytest.mark.parametrize(
    ("model", "group"), [pytest.param(SiteSettings, "Editor", id="site-settings"), pytest.param(CommentPolicy, None, id="policy")]
)
def test_single_record_list_opens_its_form_and_offers_no_add(client, model, group):
    if group:
        user = UserFactory(username="staff", groups=[group])
    else:
        user = UserFactory(username="chief", is_superuser=True)
    client.force_login(user)
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    model.objects.all().delete()  # missing: the form shows the defaults, and only a save makes the row

    response = client.get(reverse(f"{info}_changelist"))

    assert response.status_code == 302
    assert response.url == reverse(f"{info}_change", args=[1])
    form = client.get(response.url)
    assert form.status_code == 200
    assert not model.objects.exists(), "a GET changes nothing"
    if model is SiteSettings:
        saved = client.post(
            response.url,
            {"wechat_account_id": "citymag", "wechat_follow_url": "", "newsletter_promo_title": "Weekly",
             "newsletter_promo_text": "Every Wednesday."},
        )
        assert saved.status_code == 302
        assert model.objects.get().wechat_account_id == "citymag"
    else:
        model.objects.create(pk=1)
    assert reverse(f"{info}_add") not in form.content.decode()
    assert client.get(reverse(f"{info}_add")).status_code == 403
    # Once it exists the list goes straight to it again, and the index offers no "Add".
    assert client.get(reverse(f"{info}_changelist")).url == reverse(f"{info}_change", args=[1])
    assert reverse(f"{info}_add") not in client.get(reverse("admin:index")).content.decode()
