import factory
from django.utils import timezone

from newsletter.models import Newsletter, Send, Subscriber, Subscription


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"City edition {n}")
    slug = factory.Sequence(lambda n: f"city-edition-{n}")
    description = "The week in the city."
    cadence = "weekly on Wednesday"


class SubscriberFactory(factory.django.DjangoModelFactory):
    """An active, confirmed subscriber with a consent record; ``lists=[...]`` subscribes them."""

    class Meta:
        model = Subscriber
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    state = Subscriber.State.ACTIVE
    consent_at = factory.LazyFunction(timezone.now)
    consent_source = "Article page /shanghai/"
    consent_text = "I agree to receive the newsletters I chose by email."
    confirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(state=Subscriber.State.PENDING, confirmed_at=None)

    @factory.post_generation
    def lists(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        state = Subscription.State.ACTIVE if self.state == Subscriber.State.ACTIVE else Subscription.State.PENDING
        for newsletter in extracted:
            Subscription.objects.create(subscriber=self, newsletter=newsletter, state=state)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class SendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Send

    newsletter = factory.SubFactory(NewsletterFactory)
    subject = factory.Sequence(lambda n: f"The week in the city, issue {n}")
    intro = "Hello.\n\nHere is the week."
    kind = Send.Kind.MANUAL
