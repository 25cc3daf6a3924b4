"""Bounced and complained addresses stay suppressed until staff lift it, saying why."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import UserFactory
from newsletter import services
from newsletter.models import Subscriber, SubscriberEvent, Subscription
from newsletter.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

SUPPRESSED = [Subscriber.State.BOUNCED, Subscriber.State.COMPLAINED]


def suppressed_subscriber(state, lists, email="gone@example.org"):
    """An address that was active on ``lists`` until the provider reported a bounce or complaint."""
    subscriber = SubscriberFactory(email=email)
    for newsletter in lists:
        Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, state=Subscription.State.ACTIVE)
    services.subscriber_suppress(email=email, state=state, reason="Postmark — HardBounce — mailbox unknown")
    subscriber.refresh_from_db()
    return subscriber


def snapshot(subscriber):
    subscriber.refresh_from_db()
    return (
        subscriber.state,
        subscriber.suppressed_at,
        subscriber.suppressed_reason,
        subscriber.consent_at,
        subscriber.consent_source,
        subscriber.confirmation_sent_at,
        sorted(subscriber.subscriptions.values_list("newsletter__slug", "state")),
    )


def without_csrf_token(response) -> str:
    """The page as text, without the (per-response masked) CSRF token of its forms."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def post_signup(client, email):
    data = {"email": email, "consent": "on", "source": "article", "page": "/shanghai/2026/01/01/x/"}
    return client.post(reverse("newsletter:subscribe"), data, follow=True)


# --- the public sign-up


@pytest.mark.parametrize("state", SUPPRESSED)
def test_sign_up_of_a_suppressed_address_mails_nothing_and_changes_nothing(
    state, weekly, city_list, mail_settings, django_capture_on_commit_callbacks
):
    subscriber = suppressed_subscriber(state, [weekly])
    before = snapshot(subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        services.subscriber_sign_up(email="Gone@Example.org", newsletters=[weekly, city_list], source="Footer /")
    assert mail.outbox == []
    assert snapshot(subscriber) == before
    attempt = subscriber.events.get(kind=SubscriberEvent.Kind.SIGNED_UP)
    assert attempt.detail["suppressed"] == state
    assert attempt.detail["lists"] == [weekly.slug, city_list.slug]


@pytest.mark.parametrize("state", SUPPRESSED)
def test_sign_up_form_answers_a_suppressed_address_exactly_as_a_new_one(
    state, client, weekly, mail_settings, django_capture_on_commit_callbacks
):
    subscriber = suppressed_subscriber(state, [weekly])
    before = snapshot(subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        new = post_signup(client, "new@example.org")
        suppressed = post_signup(client, "gone@example.org")
    assert new.status_code == suppressed.status_code == 200
    assert new.redirect_chain == suppressed.redirect_chain == [(reverse("newsletter:check_inbox"), 302)]
    assert without_csrf_token(new) == without_csrf_token(suppressed)
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert snapshot(subscriber) == before


# --- staff lift a suppression


def test_lifting_needs_the_permission(weekly):
    subscriber = suppressed_subscriber(Subscriber.State.BOUNCED, [weekly])
    before = snapshot(subscriber)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_subscriber"))
    with pytest.raises(PermissionDenied):
        services.subscriber_suppression_lift(subscriber=subscriber, by=staff, reason="the reader asked")
    assert snapshot(subscriber) == before


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_lifting_needs_a_reason(weekly, reason):
    subscriber = suppressed_subscriber(Subscriber.State.BOUNCED, [weekly])
    before = snapshot(subscriber)
    with pytest.raises(ValidationError, match="Say why"):
        services.subscriber_suppression_lift(subscriber=subscriber, by=UserFactory(groups=["Newsletter manager"]), reason=reason)
    assert snapshot(subscriber) == before


def test_lifting_an_address_that_is_not_suppressed_is_refused(weekly):
    subscriber = SubscriberFactory(email="fine@example.org", lists=[weekly])
    with pytest.raises(ValidationError, match="fine@example.org is not suppressed"):
        services.subscriber_suppression_lift(subscriber=subscriber, by=UserFactory(groups=["Newsletter manager"]), reason="why not")


@pytest.mark.parametrize("state", SUPPRESSED)
def test_lifted_address_is_recorded_mailed_nothing_and_can_sign_up_again_with_double_opt_in(
    state, weekly, city_list, mail_settings, django_capture_on_commit_callbacks
):
    subscriber = suppressed_subscriber(state, [weekly, city_list])
    manager = UserFactory(username="nm", groups=["Newsletter manager"])
    with django_capture_on_commit_callbacks(execute=True):
        services.subscriber_suppression_lift(subscriber=subscriber, by=manager, reason="The reader wrote in: the mailbox works again.")
    assert mail.outbox == []
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED and not subscriber.is_suppressed
    assert subscriber.suppressed_at is None and subscriber.suppressed_reason == ""
    assert set(subscriber.subscriptions.values_list("state", flat=True)) == {Subscription.State.UNSUBSCRIBED}
    event = subscriber.events.get(kind=SubscriberEvent.Kind.SUPPRESSION_LIFTED)
    assert event.detail["by"] == "nm" and event.detail["by_id"] == manager.pk
    assert event.detail["reason"] == "The reader wrote in: the mailbox works again."
    assert event.detail["was"]["state"] == state
    assert event.detail["was"]["suppressed_reason"] == "Postmark — HardBounce — mailbox unknown"
    assert sorted(event.detail["lists"]) == sorted([weekly.slug, city_list.slug])

    # Signing up again is the usual double opt-in: pending, a confirmation mail, and only the
    # list signed up for is active after confirming (the other list needs its own consent).
    with django_capture_on_commit_callbacks(execute=True):
        services.subscriber_sign_up(email="gone@example.org", newsletters=[weekly], source="Footer /", now=timezone.now() + timedelta(hours=2))
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.PENDING
    assert [m.to for m in mail.outbox] == [["gone@example.org"]]
    assert services.subscription_confirm(subscriber=subscriber) is True
    assert dict(subscriber.subscriptions.values_list("newsletter__slug", "state")) == {
        weekly.slug: Subscription.State.ACTIVE,
        city_list.slug: Subscription.State.UNSUBSCRIBED,
    }


# --- the admin


@pytest.fixture
def manager(client):
    user = UserFactory(username="nm", email="nm@example.org", groups=["Newsletter manager"])
    client.force_login(user)
    return user


def run_action(client, subscribers, **extra):
    data = {"action": "lift_suppression", "_selected_action": [s.pk for s in subscribers], **extra}
    return client.post(reverse("admin:newsletter_subscriber_changelist"), data, follow=True)


def test_manager_lifts_a_suppression_from_the_list_with_a_reason(client, manager, weekly):
    bounced = suppressed_subscriber(Subscriber.State.BOUNCED, [weekly])
    active = SubscriberFactory(email="fine@example.org", lists=[weekly])
    changelist = client.get(reverse("admin:newsletter_subscriber_changelist")).content.decode()
    assert 'value="lift_suppression"' in changelist

    page = run_action(client, [bounced, active])
    body = page.content.decode()
    assert page.status_code == 200 and "Lift suppression" in body
    assert "gone@example.org" in body and "mailbox unknown" in body and "fine@example.org" not in body
    assert "1 of the selected addresses is not suppressed" in body

    # No reason: the page again, with the message, and nothing changed.
    refused = run_action(client, [bounced], confirm="Lift", reason="  ")
    assert "Say why the suppression is lifted" in refused.content.decode()
    bounced.refresh_from_db()
    assert bounced.state == Subscriber.State.BOUNCED

    done = run_action(client, [bounced, active], confirm="Lift", reason="Reader phoned: new mailbox works")
    assert done.redirect_chain[-1][0] == reverse("admin:newsletter_subscriber_changelist")
    assert "Lifted the suppression of 1 address (gone@example.org)" in done.content.decode()
    bounced.refresh_from_db()
    assert bounced.state == Subscriber.State.UNSUBSCRIBED
    event = bounced.events.get(kind=SubscriberEvent.Kind.SUPPRESSION_LIFTED)
    assert event.detail["by"] == "nm" and event.detail["reason"] == "Reader phoned: new mailbox works"
    active.refresh_from_db()
    assert active.state == Subscriber.State.ACTIVE


def test_action_on_addresses_that_are_not_suppressed_says_so(client, manager, weekly):
    active = SubscriberFactory(email="fine@example.org", lists=[weekly])
    page = run_action(client, [active])
    assert "None of the selected addresses is bounced or complained" in page.content.decode()


def test_staff_without_the_permission_are_not_offered_the_action_and_cannot_post_it(client, weekly):
    bounced = suppressed_subscriber(Subscriber.State.BOUNCED, [weekly])
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_subscriber", "change_subscriber"]))
    client.force_login(staff)
    changelist = client.get(reverse("admin:newsletter_subscriber_changelist"))
    assert changelist.status_code == 200 and 'value="lift_suppression"' not in changelist.content.decode()
    run_action(client, [bounced], confirm="Lift", reason="because")
    bounced.refresh_from_db()
    assert bounced.state == Subscriber.State.BOUNCED


def test_suppressed_state_cannot_be_edited_away_in_the_change_form(client, manager, weekly):
    bounced = suppressed_subscriber(Subscriber.State.BOUNCED, [weekly])
    url = reverse("admin:newsletter_subscriber_change", args=[bounced.pk])
    assert 'name="state"' not in client.get(url).content.decode()
    data = {
        "email": bounced.email,
        "state": Subscriber.State.PENDING,
        "format": bounced.format,
        "subscriptions-TOTAL_FORMS": "1",
        "subscriptions-INITIAL_FORMS": "1",
        "subscriptions-0-id": bounced.subscriptions.get().pk,
        "subscriptions-0-subscriber": bounced.pk,
        "subscriptions-0-newsletter": weekly.pk,
        "subscriptions-0-state": Subscription.State.ACTIVE,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    bounced.refresh_from_db()
    assert bounced.state == Subscriber.State.BOUNCED and bounced.suppressed_reason


# --- CSV import


def test_csv_import_leaves_a_suppressed_address_as_it_is(client, manager, weekly, city_list, mail_settings, django_capture_on_commit_callbacks):
    bounced = suppressed_subscriber(Subscriber.State.BOUNCED, [])
    before = snapshot(bounced)
    text = (
        "email,lists,consent_at,consent_text\n"
        f"Gone@example.org,{weekly.slug}|{city_list.slug},2025-03-01,I agree to the weekly mail\n"
        "new@example.org,,,\n"
    )
    file = SimpleUploadedFile("subs.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:newsletter_subscriber_import"), {"file": file, "send_confirmations": "on"}, follow=True
        )
    body = response.content.decode()
    assert "Imported 2 rows" in body and "1 bounced or complained, left as they were" in body
    assert snapshot(bounced) == before
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert bounced.events.get(kind=SubscriberEvent.Kind.IMPORTED).detail["suppressed"] == "bounced"


@pytest.mark.parametrize("state", ["bounced", "complained"])
def test_old_mail_links_do_not_lift_a_suppression(client, weekly, state, mail_settings):
    from newsletter import tokens

    subscriber = SubscriberFactory(email="gone@example.org", lists=[weekly])
    services.subscriber_suppress(email="gone@example.org", state=state, reason="550 mailbox unavailable")
    token = tokens.preferences_token(subscriber)
    preferences = reverse("newsletter:preferences", args=[token])
    page = client.get(preferences).content.decode()
    assert "We stopped mailing this address" in page and "Resubscribe" not in page
    response = client.post(
        reverse("newsletter:preferences_resubscribe", args=[token]),
        {"newsletter": weekly.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == preferences
    assert "cannot be switched back on from here" in response.content.decode()
    client.post(reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)]))
    subscriber.refresh_from_db()
    assert subscriber.state == state
    assert mail.outbox == []
