from __future__ import annotations

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone


def live_from(status: str, published_at):
    """When an article with this status and publish time goes live by ``published()``.

    Its publish time if it is published, else never (None). Copies of the publish state kept
    elsewhere (search documents) store this and compare it with ``live_by``.
    """
    return published_at if status == "published" else None


def live_by(now=None) -> models.Q:
    """The ``published()`` rule on a stored ``live_from`` copy."""
    return models.Q(live_from__lte=now or timezone.now())


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """Live articles: published, with a publish time that has arrived (see ``live_from``)."""
        now = now or timezone.now()
        return self.filter(status="published", published_at__lte=now)

    def in_region(self, region):
        """Articles of the region and of the regions inside it (two levels down).

        The regions are picked first, in a subquery on the small region table, so the
        (region, status, published_at) index answers: an OR across joined region rows made the
        database read every article (a third of a second per count at 100,000 articles).
        """
        return self.filter(region_id__in=regions_within(region))

    def in_topic(self, topic):
        return self.filter(topic=topic)

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def with_cards(self):
        """Everything a card shows (region, topic, image and its renditions) in one query.

        The image's renditions come with it in ``Image.rendition_summary``. Cards never show
        the body, so its three columns (the largest of the row) stay in the database.
        """
        return self.select_related("region", "topic", "hero_image").defer("body", "body_html", "body_blocks")

    def with_bylines(self):
        from articles.models import ArticleAuthor

        return self.prefetch_related(
            Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order", "id"))
        )

    def newest_per(self, field: str, values, per: int) -> models.Q:
        """A filter for the newest ``per`` articles of this queryset for each of ``values`` of ``field``.

        One LIMITed subquery per value, each a range read on the (field, status, published_at)
        index: the cost follows the number of values (regions, topics), not of articles.
        Apply it to a queryset that fetches by id (``Article.objects.with_cards()``): the
        subqueries carry this queryset's own filters, such as the publish rule.
        """
        newest = self.order_by("-published_at", "-id").values("pk")
        condition = models.Q(pk__in=[])
        for value in values:
            condition |= models.Q(pk__in=newest.filter(**{field: value})[:per])
        return condition


def regions_within(region):
    """The ids of the region and of the regions inside it (two levels down), as a subquery."""
    from articles.models import Region

    return Region.objects.filter(
        models.Q(pk=region.pk) | models.Q(parent=region) | models.Q(parent__parent=region)
    ).values("pk")
