"""Search-engine and social metadata of an article page: JSON-LD NewsArticle."""

from __future__ import annotations

from django.conf import settings

from articles.models import Article


def _image_url(article: Article, request) -> str | None:
    image = article.hero_image
    if image is None:
        return None
    jpeg = image.sources("jpeg")
    return request.build_absolute_uri(jpeg[-1]["url"] if jpeg else image.file.url)


def article_image_url(article: Article, request) -> str | None:
    return _image_url(article, request)


def news_article_jsonld(article: Article, request, bylines) -> dict:
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title[:110],
        "description": article.display_description,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "articleSection": article.topic.name,
        "keywords": [article.region.name, article.topic.name],
        "author": [
            {"@type": "Person", "name": b.author.name, "url": request.build_absolute_uri(b.author.get_absolute_url())}
            for b in bylines
        ],
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": request.build_absolute_uri("/")},
    }
    image = _image_url(article, request)
    if image:
        data["image"] = [image]
    return {key: value for key, value in data.items() if value is not None}
