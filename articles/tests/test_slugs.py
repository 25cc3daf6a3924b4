"""Slugs from Chinese titles and names: pinyin on the server, in the admin forms and services."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import services
from articles.models import Article, Author, Region, Topic
from articles.slugs import slug_from, unique_slug
from articles.tests.admin_helpers import ADMIN_PASSWORD, add_url, article_post_data
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(username="desk-editor", groups=["Editor"])


@pytest.fixture
def editor_client(client, editor):
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("南京路步行街的夜景", "nanjing-lu-buxing-jie-de-yejing"),
        ("北京烤鸭", "beijing-kao-ya"),
        ("重庆火锅", "chongqing-huo-guo"),
        ("Nanjing Road 步行街", "nanjing-road-buxing-jie"),
        ("绿茶 Café", "lv-cha-cafe"),
        ("ＡＢＣ！上海", "abc-shanghai"),
        ("😀🎉", ""),
        ("，。！？", ""),
        ("", ""),
    ],
)
def test_a_title_gives_a_readable_ascii_slug(text, slug):
    assert slug_from(text) == slug


def test_a_long_title_is_cut_at_a_hyphen():
    slug = slug_from("上海外滩的夜景和南京路步行街" * 5, max_length=40)

    assert len(slug) <= 40
    assert not slug.endswith("-")
    assert slug.startswith("shanghai-")


def test_a_taken_slug_gets_a_number():
    ArticleFactory(slug="beijing-kao-ya")

    assert unique_slug("北京烤鸭", model=Article, max_length=200) == "beijing-kao-ya-2"


def test_the_article_service_makes_the_slug_from_a_chinese_title(editor):
    article = ArticleFactory.build(
        title="南京路步行街的夜景", slug="", region=RegionFactory(), topic=TopicFactory(), status="draft", published_at=None
    )

    services.article_save(article=article, by=editor)

    assert Article.objects.get(pk=article.pk).slug == "nanjing-lu-buxing-jie-de-yejing"


def test_the_article_service_refuses_a_title_that_makes_no_slug(editor):
    article = ArticleFactory.build(title="😀🎉", slug="", region=RegionFactory(), topic=TopicFactory(), status="draft",
                                   published_at=None)

    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, by=editor)

    assert "slug" in refused.value.message_dict
    assert not Article.objects.filter(title="😀🎉").exists()


def test_the_author_and_region_services_make_slugs_too():
    author = services.author_save(author=Author(name="陈美", slug=""))
    region = services.taxonomy_term_save(term=Region(name="苏州 Suzhou", slug=""))
    topic = services.taxonomy_term_save(term=Topic(name="美食", slug=""))

    assert (author.slug, region.slug, topic.slug) == ("chen-mei", "su-zhou-suzhou", "meishi")


def test_editor_adds_an_article_with_a_chinese_title_and_no_slug(editor_client):
    region, topic, author = RegionFactory(), TopicFactory(), AuthorFactory()
    data = article_post_data(
        title="南京路步行街的夜景", slug="", standfirst="夜景。", body="很多游客去南京路步行街。",
        region=region, topic=topic, status=Article.Status.DRAFT, authors=[author],
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Article.objects.get(title="南京路步行街的夜景").slug == "nanjing-lu-buxing-jie-de-yejing"


def test_an_emoji_title_gives_a_message_on_the_slug_field_and_keeps_the_text(editor_client):
    region, topic, author = RegionFactory(), TopicFactory(), AuthorFactory()
    data = article_post_data(
        title="🏮🎉", slug="", standfirst="Lanterns everywhere.", body="Body kept as typed.",
        region=region, topic=topic, status=Article.Status.DRAFT, authors=[author],
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["slug"]
    assert "No web address can be made" in form.errors["slug"][0]
    html = response.content.decode()
    assert 'value="🏮🎉"' in html
    assert "Body kept as typed." in html
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "data", "model", "slug"),
    [
        ("admin:articles_region_add", {"name": "Suzhou", "name_zh": "苏州", "ordering": "0"}, Region, "suzhou"),
        ("admin:articles_region_add", {"name": "苏州", "name_zh": "", "ordering": "0"}, Region, "su-zhou"),
        ("admin:articles_topic_add", {"name": "夜生活", "ordering": "0"}, Topic, "ye-sheng-huo"),
        ("admin:articles_author_add", {"name": "王芳", "name_zh": "王芳"}, Author, "wang-fang"),
    ],
)
def test_taxonomy_and_author_forms_make_an_empty_slug_from_the_name(editor_client, url_name, data, model, slug):
    response = editor_client.post(reverse(url_name), {**data, "slug": ""})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert model.objects.get(name=data["name"]).slug == slug


def test_a_region_named_with_emoji_alone_gets_a_message_on_the_slug(editor_client):
    response = editor_client.post(reverse("admin:articles_region_add"), {"name": "🏙️", "slug": "", "ordering": "0"})

    assert response.status_code == 200
    assert "No web address can be made" in response.context["adminform"].form.errors["slug"][0]
    assert 'value="🏙️"' in response.content.decode()
    assert not Region.objects.filter(name="🏙️").exists()
