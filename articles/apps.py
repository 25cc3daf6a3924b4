from django.apps import AppConfig
from taggit.apps import TaggitAppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    default = True  # the module holds the tags' config too

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from articles import revisions
        from articles.models import Article

        # A revision keeps the bylines, tags and READ MORE links as well as the article's fields.
        pre_create_historical_record.connect(
            revisions.record_relations, sender=Article.history.model, dispatch_uid="article_revision_relations"
        )


class ArticleTagsConfig(TaggitAppConfig):
    """django-taggit under the name staff know it by: its admin pages and breadcrumbs say "Article tags"."""

    default = False
    verbose_name = "Article tags"
