from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView
from taggit.models import Tag

from articles import permissions, selectors, seo
from articles.body import body_segments
from articles.models import Article, Author, Region, Topic


def _article_page(request, article: Article, *, preview: bool = False):
    read_more = selectors.read_more(article=article)
    more_news = selectors.more_news(article=article)
    on_page = {article.pk, *(a.pk for a in read_more), *(a.pk for a in more_news)}
    bylines = list(article.bylines.all())
    context = {
        "article": article,
        "bylines": bylines,
        "jsonld_data": seo.news_article_jsonld(article, request, bylines),
        "image_url": seo.article_image_url(article, request),
        "tags": list(article.tags.all()),
        "segments": body_segments(article.body_blocks, read_more),
        "more_news": more_news,
        "icymi": selectors.in_case_you_missed_it(exclude_ids=on_page),
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        "preview": preview,
    }
    return render(request, "articles/article_detail.html", context)


def _article_detail_queryset():
    return (
        Article.objects.with_bylines()
        .select_related("region", "topic", "hero_image")
        .prefetch_related("tags")
    )


def article_detail(request, region, year, month, day, slug):
    article = get_object_or_404(_article_detail_queryset().published(), slug=slug)
    canonical = article.get_absolute_url()
    if request.path != canonical:
        # Old or hand-typed addresses (another region, another date) lead to the one true URL.
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(canonical + (f"?{query}" if query else ""))
    return _article_page(request, article)


def article_preview(request, pk: int):
    """Staff see any article, draft or scheduled, exactly as readers will."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    article = get_object_or_404(_article_detail_queryset(), pk=pk)
    if not permissions.can_view_article_preview(request.user, article):
        raise PermissionDenied
    response = _article_page(request, article, preview=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


class ArticleListView(ListView):
    """A paginated list of article cards; subclasses name the term and the selector."""

    paginate_by = settings.ARTICLES_PER_PAGE
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    term_model = None
    feed_name = None

    def get_term(self):
        return get_object_or_404(self.term_model, slug=self.kwargs["slug"])

    def get_queryset(self):
        self.term = self.get_term()
        return self.articles()

    def articles(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.extra_context_for_term())
        context["canonical_url"] = self.request.build_absolute_uri(self.request.path)
        return context

    def extra_context_for_term(self):
        return {"term": self.term, "heading": self.term.name, "description": getattr(self.term, "description", "")}


class RegionView(ArticleListView):
    term_model = Region

    def articles(self):
        return selectors.region_articles(region=self.term)

    def extra_context_for_term(self):
        context = super().extra_context_for_term()
        context.update({"kind": "region", "region": self.term, "feed_kind": "region"})
        return context


class TopicView(ArticleListView):
    term_model = Topic

    def articles(self):
        return selectors.topic_articles(topic=self.term)

    def extra_context_for_term(self):
        context = super().extra_context_for_term()
        context.update({"kind": "topic", "topic": self.term, "feed_kind": "topic"})
        return context


class RegionTopicView(ArticleListView):
    def get_term(self):
        self.region = get_object_or_404(Region, slug=self.kwargs["slug"])
        self.topic = get_object_or_404(Topic, slug=self.kwargs["topic"])
        return self.region

    def articles(self):
        return selectors.region_topic_articles(region=self.region, topic=self.topic)

    def extra_context_for_term(self):
        return {
            "kind": "region_topic",
            "region": self.region,
            "topic": self.topic,
            "heading": f"{self.topic.name} in {self.region.name}",
            "description": self.topic.description,
        }


class AuthorView(ArticleListView):
    term_model = Author
    template_name = "articles/author_detail.html"

    def articles(self):
        return selectors.author_articles(author=self.term)

    def extra_context_for_term(self):
        return {"kind": "author", "author": self.term, "heading": self.term.name, "description": self.term.bio}


class TagView(ArticleListView):
    term_model = Tag

    def articles(self):
        return selectors.tag_articles(tag=self.term)

    def extra_context_for_term(self):
        return {"kind": "tag", "tag": self.term, "heading": f"Tagged “{self.term.name}”", "description": ""}
