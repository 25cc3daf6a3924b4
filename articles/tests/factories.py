import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, ArticleAuthor, Author, Image, ReadMoreLink, Region, Topic


def image_bytes(width=1600, height=900, fmt="JPEG", color=(180, 40, 60)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            from comments.tests.helpers import ensure_staff_groups

            ensure_staff_groups()  # a transactional test before this one may have flushed them
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")
    ordering = factory.Sequence(lambda n: n)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    ordering = factory.Sequence(lambda n: n)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    bio = "Writes about the city."


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"Picture {n}")
    alt_text = factory.LazyAttribute(lambda o: f"A view of {o.title}")
    caption = "A street at dusk"
    credit = "Staff photographer"
    file = factory.LazyFunction(lambda: ContentFile(image_bytes(), name="photo.jpg"))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Story number {n}")
    slug = factory.Sequence(lambda n: f"story-number-{n}")
    standfirst = "What happened, and why it matters to the city."
    body = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth paragraph."
    region = factory.SubFactory(RegionFactory)
    topic = factory.SubFactory(TopicFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.Sequence(lambda n: timezone.now() - timedelta(hours=n + 1))

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for order, author in enumerate(extracted):
            ArticleAuthor.objects.create(article=self, author=author, sort_order=order)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def read_more(self, create, extracted, **kwargs):
        if create and extracted:
            for order, target in enumerate(extracted):
                ReadMoreLink.objects.create(article=self, target=target, sort_order=order)

    @factory.post_generation
    def revision_relations(self, create, extracted, **kwargs):
        # As the admin does after saving the inlines: the first revision keeps the bylines,
        # tags and READ MORE links the factory added after the article.
        if create:
            from articles import revisions

            Article.history.filter(id=self.pk).update(relations=revisions.relations_of(self.pk))
