import factory

from articles.tests.factories import ArticleFactory
from comments.models import BlockedTerm, Comment
from comments.services import article_counts_refresh


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    parent = None
    root = factory.LazyAttribute(lambda o: (o.parent.root or o.parent) if o.parent else None)
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)
    name = factory.Sequence(lambda n: f"Reader {n}")
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    body = factory.Sequence(lambda n: f"A thoughtful remark, number {n}.")
    state = Comment.State.APPROVED
    ip = "198.51.100.7"

    class Params:
        pending = factory.Trait(state=Comment.State.PENDING)
        spam = factory.Trait(state=Comment.State.SPAM)
        removed = factory.Trait(state=Comment.State.REMOVED)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # As every real write does: the article's count of approved comments follows.
        if create:
            article_counts_refresh(article_ids=[instance.article_id])
            instance.article.refresh_from_db(fields=["comment_count"])


def reply_to(parent: Comment, **kwargs) -> Comment:
    return CommentFactory(article=parent.article, parent=parent, **kwargs)


class BlockedTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedTerm

    kind = BlockedTerm.Kind.WORD
    value = factory.Sequence(lambda n: f"cheap-pills-{n}")
