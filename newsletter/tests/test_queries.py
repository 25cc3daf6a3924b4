import pytest
from django.urls import reverse

from articles.tests.factories import RegionFactory, TopicFactory
from newsletter import sending, tokens
from newsletter.models import Delivery, Send
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def test_preference_page_is_a_fixed_number_of_queries(client, weekly, city_list, django_assert_max_num_queries):
    regions = [RegionFactory() for _ in range(8)]
    topics = [TopicFactory() for _ in range(8)]
    subscriber = SubscriberFactory(lists=[weekly, city_list], regions=regions[:3], topics=topics[:3])
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_signup_page_is_a_fixed_number_of_queries(client, weekly, city_list, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("newsletter:signup")).status_code == 200


@pytest.mark.parametrize("size", [5, 40])
def test_a_batch_costs_the_same_queries_whatever_its_size_apart_from_one_mark_per_mail(size, weekly, mail_settings, settings, django_assert_max_num_queries):
    settings.NEWSLETTER_BATCH_SIZE = 100
    region, topic = RegionFactory(), TopicFactory()
    for _ in range(size):
        SubscriberFactory(lists=[weekly], regions=[region], topics=[topic])
    send = SendFactory(newsletter=weekly, kind=Send.Kind.DIGEST)
    Send.objects.filter(pk=send.pk).update(status=Send.Status.SENDING)
    sending.deliveries_create(send=send)
    claim = sending.claim_batch(send_id=send.pk)
    # rows, regions, topics, this list, digest candidates: then one UPDATE per mail.
    with django_assert_max_num_queries(6 + size):
        counts = sending.deliver_claimed(send=send, claim=claim)
    assert counts["sent"] == size
    assert Delivery.objects.filter(state="sent").count() == size
