from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from articles import revisions
        from articles.models import Article

        # A revision keeps the bylines, tags and READ MORE links as well as the article's fields.
        pre_create_historical_record.connect(
            revisions.record_relations, sender=Article.history.model, dispatch_uid="article_revision_relations"
        )
