import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.tests.factories import RegionFactory, UserFactory
from newsletter.models import Subscriber
from newsletter.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    client.force_login(UserFactory(username="nm", groups=["Newsletter manager"]))


def upload(client, text, **extra):
    file = SimpleUploadedFile("subs.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("admin:newsletter_subscriber_import"), {"file": file, **extra}, follow=True)


def test_import_with_consent_is_active_and_without_is_pending(client, manager, weekly):
    RegionFactory(slug="shanghai")
    text = (
        "email,lists,regions,consent_at,consent_text\n"
        "a@example.org,7-days-in-china,shanghai,2025-03-01,I agree to the weekly mail\n"
        "b@example.org,,,,\n"
    )
    response = upload(client, text)
    assert "Imported 2 rows" in response.content.decode()
    a, b = Subscriber.objects.get(email="a@example.org"), Subscriber.objects.get(email="b@example.org")
    assert a.state == "active" and a.consent_text == "I agree to the weekly mail"
    assert [r.slug for r in a.regions.all()] == ["shanghai"]
    assert b.state == "pending" and b.subscriptions.get().newsletter == weekly


def test_import_reports_every_error_by_line_and_imports_nothing(client, manager, weekly):
    text = (
        "email,lists,format,consent_at,consent_text\n"
        "good@example.org,7-days-in-china,html,,\n"
        "not-an-email,,,,\n"
        "c@example.org,no-such-list,pdf,,\n"
        "d@example.org,,,yesterday,ok\n"
        "GOOD@example.org,,,,\n"
        "e@example.org,,,2025-01-01,\n"
    )
    body = upload(client, text).content.decode()
    assert "Nothing was imported" in body
    for expected in [
        "Line 3: “not-an-email” does not look like an email address",
        "Line 4: no newsletter called “no-such-list”",
        "Line 4: format must be",
        "Line 5: consent_at “yesterday” is not a date",
        "Line 6: “GOOD@example.org” is already on line 2",
        "Line 7: consent_at is given but consent_text",
    ]:
        assert expected in body.replace("&quot;", '"')
    assert not Subscriber.objects.exists()


def test_import_never_reactivates_an_unsubscribed_address(client, manager, weekly):
    SubscriberFactory(email="left@example.org", state=Subscriber.State.UNSUBSCRIBED)
    upload(client, "email,consent_at,consent_text\nleft@example.org,2025-01-01,I agree\n")
    assert Subscriber.objects.get().state == Subscriber.State.UNSUBSCRIBED


def test_import_refuses_a_file_that_is_not_utf8_or_has_no_email_column(client, manager, weekly):
    file = SimpleUploadedFile("x.csv", "email\nj\xf6rg@example.org\n".encode("latin-1"))
    body = client.post(reverse("admin:newsletter_subscriber_import"), {"file": file}).content.decode()
    assert "not UTF-8" in body
    assert "must name the columns" in upload(client, "address\na@example.org\n").content.decode()


def test_export_streams_csv_of_the_filtered_subscribers_with_formula_cells_defused(client, manager, weekly):
    SubscriberFactory(email="a@example.org", lists=[weekly], consent_source="=HYPERLINK(1)")
    SubscriberFactory(email="b@example.org", state=Subscriber.State.BOUNCED)
    response = client.get(reverse("admin:newsletter_subscriber_export") + "?state=active")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["email"] for r in rows] == ["a@example.org"]
    assert rows[0]["lists"] == weekly.slug
    assert rows[0]["consent_source"] == "'=HYPERLINK(1)"
