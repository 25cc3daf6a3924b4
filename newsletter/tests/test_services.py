from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory
from newsletter import services
from newsletter.models import Send, Subscriber, SubscriberEvent, Subscription
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def sign_up(email, lists, **kwargs):
    return services.subscriber_sign_up(email=email, newsletters=lists, source="Article page /x/", **kwargs)


def test_sign_up_creates_pending_subscriber_with_consent_and_mails_a_link(weekly, mail_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscriber = sign_up("New.Reader@Example.org", [weekly])
    assert subscriber.state == Subscriber.State.PENDING
    assert subscriber.consent_at is not None and subscriber.consent_source == "Article page /x/"
    assert subscriber.consent_text == mail_settings.NEWSLETTER_CONSENT_TEXT
    assert subscriber.subscriptions.get().state == Subscription.State.PENDING
    assert len(mail.outbox) == 1
    assert "https://magazine.example/newsletter/confirm/" in mail.outbox[0].body


def test_sign_up_of_known_address_in_other_case_reuses_the_subscriber(weekly, mail_settings):
    first = sign_up("reader@example.org", [weekly])
    again = sign_up("READER@example.org", [weekly])
    assert first.pk == again.pk
    assert Subscriber.objects.count() == 1


def test_confirmation_is_resent_at_most_once_an_hour(weekly, mail_settings, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        sign_up("reader@example.org", [weekly], now=now)
        sign_up("reader@example.org", [weekly], now=now + timedelta(minutes=30))
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sign_up("reader@example.org", [weekly], now=now + timedelta(minutes=61))
    assert len(mail.outbox) == 2


def test_sign_up_refuses_disposable_and_malformed_addresses(weekly):
    with pytest.raises(ValidationError, match="disposable"):
        sign_up("x@mailinator.com", [weekly])
    with pytest.raises(ValidationError, match="does not look like an email"):
        sign_up("not-an-address", [weekly])


def test_sign_up_to_a_closed_list_is_refused(weekly):
    weekly.is_active = False
    weekly.save()
    with pytest.raises(ValidationError, match="closed"):
        sign_up("reader@example.org", [weekly])


def test_complained_address_gets_no_mail_on_sign_up(weekly, mail_settings, django_capture_on_commit_callbacks):
    SubscriberFactory(email="angry@example.org", state=Subscriber.State.COMPLAINED)
    with django_capture_on_commit_callbacks(execute=True):
        subscriber = sign_up("angry@example.org", [weekly])
    assert subscriber.state == Subscriber.State.COMPLAINED
    assert mail.outbox == []


def test_confirm_activates_pending_lists_and_second_confirm_reports_used(weekly):
    subscriber = sign_up("reader@example.org", [weekly])
    assert services.subscription_confirm(subscriber=subscriber) is True
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE and subscriber.confirmed_at
    assert subscriber.subscriptions.get().state == Subscription.State.ACTIVE
    assert services.subscription_confirm(subscriber=subscriber) is False
    assert subscriber.events.filter(kind=SubscriberEvent.Kind.CONFIRMED).count() == 1


def test_preferences_update_sets_lists_regions_topics_format_and_records_change(weekly, city_list):
    region, topic = RegionFactory(), TopicFactory()
    subscriber = SubscriberFactory(lists=[weekly])
    services.preferences_update(subscriber=subscriber, newsletters=[city_list], regions=[region], topics=[topic], format="text")
    subscriber.refresh_from_db()
    states = dict(subscriber.subscriptions.values_list("newsletter__slug", "state"))
    assert states == {weekly.slug: "unsubscribed", city_list.slug: "active"}
    assert list(subscriber.regions.all()) == [region] and list(subscriber.topics.all()) == [topic]
    assert subscriber.format == "text"
    event = subscriber.events.get(kind=SubscriberEvent.Kind.PREFERENCES)
    assert event.detail["before"]["lists"] == [weekly.slug] and event.detail["after"]["lists"] == [city_list.slug]


def test_unsubscribe_from_last_list_unsubscribes_the_address(weekly, city_list):
    subscriber = SubscriberFactory(lists=[weekly, city_list])
    services.subscriber_unsubscribe(subscriber=subscriber, newsletter=weekly)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE
    services.subscriber_unsubscribe(subscriber=subscriber, newsletter=city_list)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED and subscriber.unsubscribed_at


def test_resubscribe_restores_the_lists(weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    services.subscriber_unsubscribe(subscriber=subscriber)
    services.subscriber_resubscribe(subscriber=subscriber)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE
    assert subscriber.subscriptions.get().state == Subscription.State.ACTIVE


def test_data_export_holds_consent_lists_and_history(weekly):
    subscriber = SubscriberFactory(email="me@example.org", lists=[weekly])
    data = services.subscriber_data_export(subscriber=subscriber)
    assert data["email"] == "me@example.org"
    assert data["consent"]["text"] == subscriber.consent_text
    assert data["subscriptions"][0]["newsletter"] == weekly.name


def test_delete_forgets_the_subscriber_and_history(weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    services.subscriber_unsubscribe(subscriber=subscriber)
    services.subscriber_delete(subscriber=subscriber)
    assert not Subscriber.objects.exists()
    assert not SubscriberEvent.objects.exists()


def test_suppress_marks_bounced_and_keeps_a_complaint(weekly):
    subscriber = SubscriberFactory(email="x@example.org", lists=[weekly])
    services.subscriber_suppress(email="X@example.org", state="complained", reason="Postmark — SpamComplaint")
    services.subscriber_suppress(email="x@example.org", state="bounced", reason="later bounce")
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.COMPLAINED
    assert subscriber.suppressed_reason == "Postmark — SpamComplaint"


def test_staff_without_send_permission_cannot_start_a_send(weekly):
    writer = UserFactory()
    send = SendFactory(newsletter=weekly)
    with pytest.raises(PermissionDenied):
        services.send_start(send=send, by=writer)


def test_newsletter_manager_may_start_a_send_once(weekly):
    manager = UserFactory(groups=["Newsletter manager"])
    send = SendFactory(newsletter=weekly)
    services.send_start(send=send, by=manager)
    with pytest.raises(ValidationError, match="already"):
        services.send_start(send=send, by=manager)


def test_send_to_a_closed_newsletter_is_refused(weekly):
    send = SendFactory(newsletter=weekly)
    weekly.is_active = False
    weekly.save()
    with pytest.raises(ValidationError, match="closed"):
        services.send_start(send=send)


def test_schedule_needs_a_future_time(weekly):
    send = SendFactory(newsletter=weekly)
    with pytest.raises(ValidationError, match="future"):
        services.send_schedule(send=send, at=timezone.now() - timedelta(minutes=1))
    services.send_schedule(send=send, at=timezone.now() + timedelta(hours=1))
    assert send.status == Send.Status.SCHEDULED


def test_digest_create_makes_one_send_per_period(weekly):
    first, created = services.digest_create(newsletter=weekly)
    again, created_again = services.digest_create(newsletter=weekly)
    assert created and not created_again and first.pk == again.pk


def test_digest_picks_the_weeks_articles_in_subscriber_regions_and_topics(weekly):
    shanghai, beijing = RegionFactory(slug="shanghai"), RegionFactory(slug="beijing")
    xuhui = RegionFactory(slug="xuhui", parent=shanghai)
    food, news = TopicFactory(slug="food"), TopicFactory(slug="news")
    recent = timezone.now() - timedelta(hours=2)
    in_shanghai = ArticleFactory(region=xuhui, topic=news, published_at=recent)
    food_in_beijing = ArticleFactory(region=beijing, topic=food, published_at=recent)
    other = ArticleFactory(region=beijing, topic=news, published_at=recent)
    old = ArticleFactory(region=shanghai, topic=news, published_at=timezone.now() - timedelta(days=10))
    draft = ArticleFactory(region=shanghai, topic=news, draft=True)
    send, _ = services.digest_create(newsletter=weekly)
    subscriber = SubscriberFactory(regions=[shanghai], topics=[food])
    picked = services.issue_articles(send=send, subscriber=subscriber)
    assert set(picked) == {in_shanghai, food_in_beijing}
    everyone = services.issue_articles(send=send, subscriber=SubscriberFactory())
    assert set(everyone) == {in_shanghai, food_in_beijing, other}
    assert old not in everyone and draft not in everyone
