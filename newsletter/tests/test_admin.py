import pytest
from django.core import mail
from django.urls import reverse

from articles.tests.factories import ArticleFactory, UserFactory
from newsletter.models import Send, SendArticle, Subscriber
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = UserFactory(username="nm", email="nm@example.org", groups=["Newsletter manager"])
    client.force_login(user)
    return user


@pytest.fixture
def issue(weekly):
    send = SendFactory(newsletter=weekly, subject="Week 7")
    SendArticle.objects.create(send=send, article=ArticleFactory(title="Night markets"), sort_order=0)
    return send


def test_manager_previews_the_mail_in_the_browser(client, manager, issue):
    page = client.get(reverse("admin:newsletter_send_preview", args=[issue.pk]))
    assert page.status_code == 200
    assert "List-Unsubscribe-Post" in page.content.decode() and "Night markets" in page.content.decode()
    frame = client.get(reverse("admin:newsletter_send_preview_html", args=[issue.pk]))
    assert "Night markets" in frame.content.decode()
    assert "'unsafe-inline'" in frame["Content-Security-Policy"] and frame["X-Frame-Options"] == "SAMEORIGIN"


def test_manager_sends_a_test_to_themself(client, manager, issue, mail_settings):
    client.post(reverse("admin:newsletter_send_start", args=[issue.pk]), {"action": "test"})
    assert [m.to for m in mail.outbox] == [["nm@example.org"]]
    assert mail.outbox[0].subject == "[TEST] Week 7"
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT


def test_manager_sends_to_everyone_and_sees_progress(client, manager, issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    for _ in range(3):
        SubscriberFactory(lists=[weekly])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:newsletter_send_start", args=[issue.pk]), {"action": "send"})
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    changelist = client.get(reverse("admin:newsletter_send_changelist")).content.decode()
    assert '<td class="field-deliveries">3 sent<span' in changelist
    assert "100%" in changelist


def test_manager_schedules_for_later(client, manager, issue):
    client.post(reverse("admin:newsletter_send_start", args=[issue.pk]), {"action": "schedule", "when": "2099-01-01T09:00"})
    issue.refresh_from_db()
    assert issue.status == Send.Status.SCHEDULED and issue.scheduled_for.year == 2099


def test_bad_schedule_time_explains(client, manager, issue):
    response = client.post(reverse("admin:newsletter_send_start", args=[issue.pk]), {"action": "schedule", "when": "soon"}, follow=True)
    assert "Enter the date and time" in response.content.decode()


def test_staff_without_send_permission_cannot_open_the_send_page(client, issue):
    client.force_login(UserFactory(username="w"))
    assert client.get(reverse("admin:newsletter_send_start", args=[issue.pk])).status_code == 403


def test_admin_shows_why_an_address_is_suppressed(client, manager):
    SubscriberFactory(email="gone@example.org", state=Subscriber.State.BOUNCED, suppressed_reason="Postmark — HardBounce — mailbox unknown")
    page = client.get(reverse("admin:newsletter_subscriber_changelist") + "?state=bounced").content.decode()
    assert "gone@example.org" in page and "mailbox unknown" in page


def test_subscriber_changelist_filters_by_list(client, manager, weekly, city_list):
    SubscriberFactory(email="weekly@example.org", lists=[weekly])
    SubscriberFactory(email="city@example.org", lists=[city_list])
    page = client.get(reverse("admin:newsletter_subscriber_changelist") + f"?list={city_list.pk}").content.decode()
    assert "city@example.org" in page and "weekly@example.org" not in page


def test_admin_cannot_activate_an_address_without_consent(client, manager):
    subscriber = SubscriberFactory(pending=True, consent_at=None, consent_text="")
    url = reverse("admin:newsletter_subscriber_change", args=[subscriber.pk])
    response = client.post(url, {
        "email": subscriber.email, "state": "active", "format": "html",
        "subscriptions-TOTAL_FORMS": "0", "subscriptions-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and "consent record" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.PENDING


def test_send_changelist_is_a_fixed_number_of_queries(client, manager, weekly, django_assert_max_num_queries):
    for _ in range(15):
        SendFactory(newsletter=weekly)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:newsletter_send_changelist")).status_code == 200


def test_subscriber_changelist_is_a_fixed_number_of_queries(client, manager, weekly, django_assert_max_num_queries):
    for _ in range(30):
        SubscriberFactory(lists=[weekly])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:newsletter_subscriber_changelist")).status_code == 200
