import re

import pytest
from django.core import mail
from django.urls import reverse

from articles.tests.factories import ArticleFactory, UserFactory
from newsletter.models import Send, SendArticle, Subscriber
from newsletter.tests.factories import NewsletterFactory, SendFactory, SubscriberFactory

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
        response = client.post(reverse("admin:newsletter_send_confirm", args=[issue.pk]), {"action": "send", "recipients": "3"})
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    changelist = client.get(reverse("admin:newsletter_send_changelist")).content.decode()
    assert '<td class="field-deliveries">3 sent<span' in changelist
    assert "100%" in changelist


def test_send_now_on_the_send_page_only_leads_to_the_confirmation(client, manager, issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    SubscriberFactory(lists=[weekly])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:newsletter_send_start", args=[issue.pk]), {"action": "send"})
    assert response["Location"] == reverse("admin:newsletter_send_confirm", args=[issue.pk])
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT and mail.outbox == []
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was sent yet" in page


def test_confirmation_page_shows_the_list_and_who_gets_it_now(client, manager, issue, weekly):
    for _ in range(2):
        SubscriberFactory(lists=[weekly])
    SubscriberFactory(lists=[weekly], pending=True)
    SubscriberFactory(lists=[weekly], state=Subscriber.State.BOUNCED)
    SubscriberFactory(lists=[NewsletterFactory()])
    start = client.get(reverse("admin:newsletter_send_start", args=[issue.pk])).content.decode()
    assert reverse("admin:newsletter_send_confirm", args=[issue.pk]) in start
    page = client.get(reverse("admin:newsletter_send_confirm", args=[issue.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "7 Days in China" in html and "<strong>2</strong> active subscribers" in html
    assert 'name="action" value="test"' in html and "Send now to 2 subscribers" in html
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT


def test_test_from_the_confirmation_page_goes_only_to_the_manager(client, manager, issue, weekly, mail_settings):
    SubscriberFactory(lists=[weekly])
    response = client.post(reverse("admin:newsletter_send_confirm", args=[issue.pk]), {"action": "test", "recipients": "1"}, follow=True)
    assert [m.to for m in mail.outbox] == [["nm@example.org"]] and mail.outbox[0].subject == "[TEST] Week 7"
    assert "A test was sent to nm@example.org; nothing went to subscribers yet." in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT


def test_confirmed_send_says_how_many_it_went_to(client, manager, issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    for _ in range(2):
        SubscriberFactory(lists=[weekly])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:newsletter_send_confirm", args=[issue.pk]), {"action": "send", "recipients": "1"}, follow=True
        )
    assert response.redirect_chain[-1][0] == reverse("admin:newsletter_send_change", args=[issue.pk])
    html = response.content.decode()
    assert "Sending “Week 7” to 2 subscribers of 7 Days in China has started (the page showed 1;" in html
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("data", [{}, {"action": "send"}, {"action": "boom", "recipients": "1"}, {"action": "send", "recipients": "²"}])
def test_confirmation_with_bad_input_sends_nothing_and_says_so(client, manager, issue, weekly, mail_settings, data):
    SubscriberFactory(lists=[weekly])
    response = client.post(reverse("admin:newsletter_send_confirm", args=[issue.pk]), data, follow=True)
    assert response.status_code == 200 and "Nothing was sent: the form was incomplete" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT and mail.outbox == []


def test_confirming_an_empty_issue_explains(client, manager, weekly):
    empty = SendFactory(newsletter=weekly, intro="")
    response = client.post(reverse("admin:newsletter_send_confirm", args=[empty.pk]), {"action": "send", "recipients": "0"}, follow=True)
    assert "Nothing was sent: The issue is empty" in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == Send.Status.DRAFT


def test_confirmation_page_of_a_sent_issue_offers_no_send(client, manager, issue):
    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENT)
    html = client.get(reverse("admin:newsletter_send_confirm", args=[issue.pk])).content.decode()
    assert "cannot be sent again" in html and 'value="send"' not in html
    response = client.post(reverse("admin:newsletter_send_confirm", args=[issue.pk]), {"action": "send", "recipients": "0"}, follow=True)
    assert "Nothing was sent: This issue is already sent." in response.content.decode()


def test_staff_without_send_permission_cannot_confirm_a_send(client, issue):
    client.force_login(UserFactory(username="w2", is_staff=True))
    assert client.post(reverse("admin:newsletter_send_confirm", args=[issue.pk]), {"action": "send", "recipients": "0"}).status_code == 403
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT


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


def _sending_issue(issue, weekly, queued=2, sent=1):
    from newsletter.models import Delivery

    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENDING)
    for n in range(queued + sent):
        state = Delivery.State.SENT if n < sent else Delivery.State.QUEUED
        Delivery.objects.create(send=issue, subscriber=SubscriberFactory(lists=[weekly]), state=state)
    issue.refresh_from_db()
    return issue


def test_progress_endpoint_gives_the_counts_to_staff(client, manager, issue, weekly):
    _sending_issue(issue, weekly)
    response = client.get(reverse("admin:newsletter_send_progress", args=[issue.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "sending", "status_display": "Sending", "queued": 2, "sent": 1, "failed": 0, "skipped": 0, "total": 3
    }


def test_progress_endpoint_is_for_staff_who_may_see_issues(client, issue):
    url = reverse("admin:newsletter_send_progress", args=[issue.pk])
    assert client.get(url).status_code == 302  # to the admin sign-in
    client.force_login(UserFactory(username="plain", is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:newsletter_send_progress", args=[issue.pk + 1000])).status_code == 404


def test_change_page_of_a_sending_issue_loads_the_progress_script_and_no_inline_script(client, manager, issue, weekly):
    _sending_issue(issue, weekly)
    html = client.get(reverse("admin:newsletter_send_change", args=[issue.pk])).content.decode()
    progress_url = reverse("admin:newsletter_send_progress", args=[issue.pk])
    assert f'data-progress-url="{progress_url}" data-status="sending"' in html
    assert "2 queued, 1 sent, 0 failed, 0 skipped of 3" in html
    assert f'<a href="{reverse("newsletter:issue_web", args=[issue.web_id])}">Web version (public)</a>' in html
    assert '<script src="/static/newsletter/send_progress.js"></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
