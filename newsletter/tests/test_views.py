import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory
from newsletter import tokens
from newsletter.models import Subscriber, SubscriberEvent, Subscription
from newsletter.tests.factories import NewsletterFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def post_signup(client, email, **extra):
    data = {"email": email, "consent": "on", "source": "article", "page": "/shanghai/2026/01/01/x/", **extra}
    return client.post(reverse("newsletter:subscribe"), data)


def confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/newsletter/confirm/[^\s]+/)", message.body).group(1)


def test_article_page_shows_the_sign_up_form(client, weekly):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'action="/newsletter/subscribe/"' in page
    assert 'for="newsletter-promo-email"' in page and 'name="csrfmiddlewaretoken"' in page


def test_sign_up_answers_the_same_for_new_and_known_addresses(client, weekly, mail_settings):
    SubscriberFactory(email="known@example.org", lists=[weekly])
    new = post_signup(client, "new@example.org")
    known = post_signup(client, "known@example.org")
    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"] == reverse("newsletter:check_inbox")


def test_sign_up_records_where_the_reader_signed_up(client, weekly, mail_settings):
    post_signup(client, "new@example.org")
    subscriber = Subscriber.objects.get()
    assert subscriber.consent_source == "Article page /shanghai/2026/01/01/x/"


def test_bad_address_keeps_what_was_typed_and_explains(client, weekly):
    response = post_signup(client, "someone@mailinator.com")
    assert response.status_code == 400
    body = response.content.decode()
    assert "disposable-mail" in body and 'value="someone@mailinator.com"' in body
    assert not Subscriber.objects.exists()


def test_sign_up_without_consent_is_refused(client, weekly):
    response = client.post(reverse("newsletter:subscribe"), {"email": "a@example.org"})
    assert response.status_code == 400
    assert "tick the box" in response.content.decode()


def test_unknown_list_in_form_gets_a_message_not_a_500(client, weekly):
    response = post_signup(client, "a@example.org", newsletters="99999")
    assert response.status_code == 400
    assert "does not exist or is closed" in response.content.decode()


def test_unknown_list_page_is_a_404_page_and_closed_list_explains(client, weekly):
    assert client.get(reverse("newsletter:signup") + "?list=nope").status_code == 404
    closed = NewsletterFactory(slug="old-list", is_active=False)
    response = client.get(reverse("newsletter:detail", args=[closed.slug]))
    assert response.status_code == 410 and "has closed" in response.content.decode()


def test_confirm_link_get_changes_nothing_and_post_confirms(client, weekly, mail_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_signup(client, "new@example.org")
    link = confirm_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and "Yes, subscribe me" in page.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.PENDING
    done = client.post(link)
    assert "You are subscribed" in done.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.ACTIVE
    again = client.post(link)
    assert "already confirmed" in again.content.decode()
    assert SubscriberEvent.objects.filter(kind="confirmed").count() == 1


def test_tampered_confirm_link_explains_and_changes_nothing(client, weekly, mail_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_signup(client, "new@example.org")
    link = confirm_link(mail.outbox[0])
    response = client.post(link[:-6] + "xxxxx/")
    assert response.status_code == 400 and "does not work" in response.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.PENDING


def test_expired_confirm_link_explains(client, weekly, mail_settings, settings):
    subscriber = SubscriberFactory(pending=True, lists=[weekly])
    token = tokens.confirm_token(subscriber)
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    response = client.post(reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 410 and "expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.PENDING


def test_preference_link_of_deleted_subscriber_is_a_page(client):
    subscriber = SubscriberFactory()
    token = tokens.preferences_token(subscriber)
    subscriber.delete()
    response = client.get(reverse("newsletter:preferences", args=[token]))
    assert response.status_code == 410 and "no longer have this address" in response.content.decode()


def test_preference_centre_saves_region_and_plain_text(client, weekly):
    region = RegionFactory(name="Shanghai")
    TopicFactory()
    subscriber = SubscriberFactory(lists=[weekly])
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"].startswith("private")
    response = client.post(url, {"newsletters": [weekly.pk], "regions": [region.pk], "format": "text"}, follow=True)
    assert "Your choices are saved." in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.format == "text" and list(subscriber.regions.all()) == [region]


def test_preference_form_error_keeps_choices(client, weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    response = client.post(url, {"newsletters": [weekly.pk], "format": "fax"})
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.format == "html"


def test_unsubscribe_one_list_and_resubscribe_from_the_preference_centre(client, weekly, city_list):
    subscriber = SubscriberFactory(lists=[weekly, city_list])
    token = tokens.preferences_token(subscriber)
    client.post(reverse("newsletter:preferences_unsubscribe", args=[token]), {"newsletter": city_list.pk})
    assert dict(subscriber.subscriptions.values_list("newsletter_id", "state"))[city_list.pk] == "unsubscribed"
    client.post(reverse("newsletter:preferences_resubscribe", args=[token]), {"newsletter": city_list.pk})
    assert dict(subscriber.subscriptions.values_list("newsletter_id", "state"))[city_list.pk] == "active"
    response = client.post(reverse("newsletter:preferences_unsubscribe", args=[token]), {"newsletter": "999999"})
    assert response.status_code == 404


def test_download_my_data_is_json(client, weekly):
    subscriber = SubscriberFactory(email="me@example.org", lists=[weekly])
    response = client.get(reverse("newsletter:preferences_data", args=[tokens.preferences_token(subscriber)]))
    assert response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["email"] == "me@example.org"


def test_delete_me_asks_on_get_and_deletes_on_post(client, weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    url = reverse("newsletter:preferences_delete", args=[tokens.preferences_token(subscriber)])
    assert "cannot be undone" in client.get(url).content.decode()
    assert Subscriber.objects.exists()
    assert "Your data is deleted" in client.post(url).content.decode()
    assert not Subscriber.objects.exists()


def test_one_click_unsubscribe_post_without_csrf_unsubscribes_at_once(weekly):
    from django.test import Client

    subscriber = SubscriberFactory(lists=[weekly])
    url = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber, weekly.pk)])
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200
    assert Subscription.objects.get().state == "active"  # GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED
    assert subscriber.events.get(kind="unsubscribed").detail["source"] == "one-click"


def test_state_changing_pages_refuse_get(client, weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    token = tokens.preferences_token(subscriber)
    assert client.get(reverse("newsletter:preferences_unsubscribe", args=[token])).status_code == 405
    assert client.get(reverse("newsletter:subscribe")).status_code == 405
    assert Subscription.objects.get().state == "active"


SIGNED_LINK_PAGES = [
    ("newsletter:confirm", "get", tokens.confirm_token),
    ("newsletter:confirm", "post", tokens.confirm_token),
    ("newsletter:preferences", "get", tokens.preferences_token),
    ("newsletter:preferences", "post", tokens.preferences_token),
    ("newsletter:preferences_unsubscribe", "post", tokens.preferences_token),
    ("newsletter:preferences_resubscribe", "post", tokens.preferences_token),
    ("newsletter:preferences_data", "get", tokens.preferences_token),
    ("newsletter:preferences_delete", "get", tokens.preferences_token),
    ("newsletter:preferences_delete", "post", tokens.preferences_token),
]


@pytest.mark.parametrize("name,method,make_token", SIGNED_LINK_PAGES)
def test_every_signed_link_page_explains_a_broken_or_stale_link_and_changes_nothing(client, weekly, name, method, make_token):
    subscriber = SubscriberFactory(pending=True, lists=[weekly])
    token = make_token(subscriber)
    before = list(Subscription.objects.values_list("pk", "state"))

    tampered = getattr(client, method)(reverse(name, args=[token[:-3] + "abc"]))
    assert tampered.status_code == 400
    assert "This link does not work" in tampered.content.decode()
    assert list(Subscription.objects.values_list("pk", "state")) == before
    assert Subscriber.objects.filter(pk=subscriber.pk, state=Subscriber.State.PENDING).exists()

    Subscriber.objects.filter(pk=subscriber.pk).delete()
    gone = getattr(client, method)(reverse(name, args=[token]))
    assert gone.status_code == 410
    assert "We no longer have this address" in gone.content.decode()
    assert gone["X-Robots-Tag"] == "noindex"
