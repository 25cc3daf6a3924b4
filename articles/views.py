from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView
from taggit.models import Tag

from articles import autosave, page_views, permissions, selectors, seo, services, sharing
from articles.body import body_length, body_segments, render_body
from articles.body import problems as body_problems
from articles.forms import BodyPreviewForm, ImageLibraryForm, ImageUploadForm, ShareForm
from articles.models import Article, Author, Image, Region, Topic
from magazine import pagecache, ratelimit
from magazine.cache import cache_version
from magazine.forms import PageForm


def _article_page(request, article: Article, *, preview: bool = False):
    read_more = selectors.read_more(article=article)
    # "More news" and "Most read" in the region come in one query between them.
    aside = selectors.article_aside(article=article)
    more_news = aside.more_news
    on_page = {article.pk, *(a.pk for a in read_more), *(a.pk for a in more_news)}
    bylines = list(article.bylines.all())
    images = selectors.body_images(blocks=article.body_blocks)
    pagecache.depends_on(
        ("article", article.pk),
        ("region", article.region_id),
        ("topic", article.topic_id),
        ("featured", "all"),
        ("comments_policy", "all"),
        *selectors.read_more_cache_dependencies(article=article, links=read_more),
        *(("author", byline.author_id) for byline in bylines),
        *(("image", pk) for pk in {article.hero_image_id, *images} if pk),
    )
    pagecache.expires_by(selectors.next_scheduled_publish())
    segments = body_segments(article.body_blocks, read_more, images=images)
    context = {
        "article": article,
        "bylines": bylines,
        "jsonld_data": seo.news_article_jsonld(article, request, bylines),
        "og_image": seo.article_image(article, request),
        "tags": list(article.tags.all()),
        "segments": segments,
        "has_embeds": any(segment.embed for segment in segments),
        "more_news": more_news,
        "most_read": aside.most_read,
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


def _permanent_redirect(request, path: str):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(path + (f"?{query}" if query else ""))


def article_detail(request, region, year, month, day, slug):
    try:
        article = get_object_or_404(_article_detail_queryset().published(), slug=slug)
    except Http404:
        # An address the article had before its slug changed leads to where it is now.
        moved = selectors.article_moved_from(path=request.path, slug=slug)
        if moved is None:
            raise
        return _permanent_redirect(request, moved.get_absolute_url())
    canonical = article.get_absolute_url()
    if request.path != canonical:
        # Old or hand-typed addresses (another region, another date) lead to the one true URL.
        return _permanent_redirect(request, canonical)
    page_views.count_view(request, article.pk)
    # A copy of this page served from the page cache counts the view too.
    pagecache.on_serve("articles.page_views.count_view", article.pk)
    return _article_page(request, article)


@require_POST
@ratelimit.limit_posts("share", as_json=True)
def article_share(request, pk: int):
    """Count a reader's share of a live article (once per reader, network and hour); JSON back."""
    form = ShareForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors["network"])}, status=400)
    network = form.cleaned_data["network"]
    count = selectors.live_share_count(article_id=pk)
    if count is None:
        return JsonResponse({"error": "No published article has this number."}, status=404)
    counted = sharing.share_may_count(article_id=pk, network=network, ip=sharing.client_ip(request))
    if counted:
        count = services.article_share_recorded(article_id=pk, network=network)
    return JsonResponse({"count": count, "counted": counted})


@require_GET
@cache_control(public=True, max_age=3600)
def article_share_qr(request, pk: int):
    """A QR code of the article's address as SVG, for readers to scan with WeChat."""
    key = f"share-qr:{pk}:{cache_version('article', pk)}:{request.scheme}:{request.get_host()}"
    svg = cache.get(key)
    if svg is None:
        article = get_object_or_404(Article.objects.published().select_related("region"), pk=pk)
        svg = sharing.qr_svg(request.build_absolute_uri(article.get_absolute_url()))
        cache.set(key, svg, 86400)
    return HttpResponse(svg, content_type="image/svg+xml")


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


@require_POST
def body_preview(request):
    """The admin body editor's live preview: the body rendered as the article page renders it.

    JSON back: ``html`` (the body as readers will see it, READ MORE links filled in from the
    article's saved hand-picked links when ``article`` names one), ``words``,
    ``cjk_characters``, ``reading_minutes`` and ``removed`` (what sanitising took out).
    """
    user = request.user
    if not _writes_articles(user):
        return JsonResponse({"error": "Only newsroom staff who write articles can preview a body."}, status=403)
    form = BodyPreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(message for messages in form.errors.values() for message in messages)}, status=400)
    removed: list[str] = []
    blocks = render_body(form.cleaned_data["body"], removed=removed)
    problems = body_problems(form.cleaned_data["body"])
    read_more = []
    article = None
    if form.cleaned_data["article"]:
        article = Article.objects.filter(pk=form.cleaned_data["article"]).first()
    if article is not None and permissions.can_view_article_preview(user, article):
        read_more = selectors.read_more(article=article, slots=sum(1 for b in blocks if b["type"] == "read_more"))
    segments = body_segments(blocks, read_more, images=selectors.body_images(blocks=blocks), keep_empty_slots=True)
    length = body_length(blocks, words_per_minute=settings.READING_WORDS_PER_MINUTE)
    response = JsonResponse(
        {
            "html": render_to_string("articles/body.html", {"segments": segments}, request=request),
            "words": length.words,
            "cjk_characters": length.cjk_characters,
            "reading_minutes": length.reading_minutes,
            "removed": sorted(set(removed)),
            "problems": problems,
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _writes_articles(user) -> bool:
    return bool(
        user.is_active
        and user.is_staff
        and (user.has_perm("articles.change_article") or user.has_perm("articles.add_article"))
    )


def _image_json(image: Image) -> dict:
    smallest = next(iter(image.sources("jpeg")), None)
    return {
        "id": image.pk,
        "title": image.title,
        "alt_text": image.alt_text,
        "decorative": image.decorative,
        "caption": image.caption,
        "credit": image.credit,
        "width": image.width,
        "height": image.height,
        "thumbnail": smallest["url"] if smallest else image.file.url,
    }


def _private_json(data: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def image_upload(request):
    """The body editor's upload: the image admin's checks, saved through ``services.image_save``.

    JSON back: the new picture (``id``, ``thumbnail`` …), or ``errors`` by field (400).
    """
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("articles.add_image")):
        return _private_json({"error": "Only newsroom staff who may add pictures can upload one."}, status=403)
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            image = services.image_save(image=form.save(commit=False), by=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _private_json({"image": _image_json(image)}, status=201)
    errors = {field: [str(message) for message in messages] for field, messages in form.errors.items()}
    return _private_json({"errors": errors}, status=400)


@require_GET
def image_library(request):
    """The body editor's image library: the newest pictures, or those matching ``?q=``."""
    user = request.user
    if not (user.is_active and user.is_staff and (_writes_articles(user) or user.has_perm("articles.add_image"))):
        return _private_json({"error": "Only newsroom staff who write articles can browse the image library."}, status=403)
    form = ImageLibraryForm(request.GET)
    if not form.is_valid():
        return _private_json({"error": " ".join(form.errors["q"])}, status=400)
    images = selectors.image_library(search=form.cleaned_data["q"])
    return _private_json({"images": [_image_json(image) for image in images]})


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

    def paginate_queryset(self, queryset, page_size):
        """The page that ``?page=`` names (a whole number from 1; nothing: the first), else 404."""
        number = PageForm(self.request.GET).page_number()
        if number is None:
            raise Http404("No such page: a page number is a whole number from 1.")
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans())
        try:
            page = paginator.page(number)
        except InvalidPage as exc:
            raise Http404("No such page of this list.") from exc
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.extra_context_for_term())
        context["canonical_url"] = self.request.build_absolute_uri(self.request.path)
        return context

    def extra_context_for_term(self):
        return {"term": self.term, "heading": self.term.name, "description": getattr(self.term, "description", "")}

    def cache_dependencies(self):
        """The version keys whose bump must re-render this list (magazine/pagecache.py)."""
        return [("articles", "all")]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        pagecache.depends_on(*self.cache_dependencies())
        pagecache.expires_by(selectors.next_scheduled_publish())
        return response


class RegionView(ArticleListView):
    term_model = Region

    def articles(self):
        return selectors.region_articles(region=self.term)

    def cache_dependencies(self):
        return [("region", self.term.pk)]

    def extra_context_for_term(self):
        context = super().extra_context_for_term()
        context.update({"kind": "region", "region": self.term, "feed_kind": "region"})
        return context


class TopicView(ArticleListView):
    term_model = Topic

    def articles(self):
        return selectors.topic_articles(topic=self.term)

    def cache_dependencies(self):
        return [("topic", self.term.pk)]

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

    def cache_dependencies(self):
        return [("region", self.region.pk), ("topic", self.topic.pk)]

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

    def cache_dependencies(self):
        return [("author", self.term.pk)]

    def extra_context_for_term(self):
        return {"kind": "author", "author": self.term, "heading": self.term.name, "description": self.term.bio}


class TagView(ArticleListView):
    term_model = Tag

    def articles(self):
        return selectors.tag_articles(tag=self.term)

    def extra_context_for_term(self):
        return {"kind": "tag", "tag": self.term, "heading": f"Tagged “{self.term.name}”", "description": ""}


def _newsroom_json(data: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def article_autosave(request):
    """The article form's draft copy, posted while the editor types (``articles.autosave``).

    JSON back: ``kept``, ``saved_at`` (ISO), ``saved_at_display`` ("14:03") and ``warning`` (the
    article changed since the editor opened it; or, with ``kept`` false, the user saved it since
    and this copy is out of date), or ``error`` with 400 (a payload the form refuses),
    403 (not the user's to change), 404 (no such article) or 410 (the article was deleted).
    """
    user = request.user
    if not (user.is_active and user.is_staff):
        return _newsroom_json({"error": "Only newsroom staff can autosave articles. Sign in again; your text is still in the form."}, status=403)
    form = autosave.AutosaveForm(request.POST)
    if not form.is_valid():
        return _newsroom_json({"error": form.message}, status=400)
    try:
        result = autosave.article_autosave(
            user=user,
            article_id=form.cleaned_data["article"],
            draft_key=form.cleaned_data["draft_key"] or "",
            base_version=form.cleaned_data["version"],
            typed=form.typed,
        )
    except autosave.ArticleGone as gone:
        return _newsroom_json({"error": gone.message}, status=410 if gone.deleted else 404)
    except PermissionDenied as refusal:
        return _newsroom_json({"error": str(refusal)}, status=403)
    if result.autosave is None:
        return _newsroom_json({"saved_at": None, "saved_at_display": "", "warning": result.warning, "kept": False})
    return _newsroom_json(
        {
            "kept": True,
            "saved_at": result.autosave.saved_at.isoformat(),
            "saved_at_display": result.saved_at_display,
            "warning": result.warning,
        }
    )


@require_POST
def article_autosave_discard(request):
    """Discard one of the signed-in editor's draft copies (the "Discard" of the restore offer)."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return _newsroom_json({"error": "Only newsroom staff can discard autosaved drafts."}, status=403)
    form = autosave.AutosaveDiscardForm(request.POST)
    if not form.is_valid():
        return _newsroom_json({"error": form.errors["autosave"][0]}, status=400)
    discarded = autosave.article_autosave_discard(user=user, autosave_id=form.cleaned_data["autosave"])
    return _newsroom_json({"discarded": discarded})
