from django.urls import path, re_path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    re_path(
        r"^(?P<region>[-\w]+)/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.article_detail,
        name="article",
    ),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("preview/body/", views.body_preview, name="body_preview"),
    path("editor/images/", views.image_library, name="image_library"),
    path("editor/images/upload/", views.image_upload, name="image_upload"),
    path("share/<int:pk>/", views.article_share, name="share"),
    path("share/<int:pk>/wechat.svg", views.article_share_qr, name="share_qr"),
    path("region/<slug:slug>/", views.RegionView.as_view(), name="region"),
    path("region/<slug:slug>/<slug:topic>/", views.RegionTopicView.as_view(), name="region_topic"),
    path("topic/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("tag/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("feeds/latest/rss/", feeds.LatestRss(), name="feed_latest_rss"),
    path("feeds/latest/atom/", feeds.LatestAtom(), name="feed_latest_atom"),
    path("feeds/region/<slug:slug>/rss/", feeds.RegionRss(), name="feed_region_rss"),
    path("feeds/region/<slug:slug>/atom/", feeds.RegionAtom(), name="feed_region_atom"),
    path("feeds/topic/<slug:slug>/rss/", feeds.TopicRss(), name="feed_topic_rss"),
    path("feeds/topic/<slug:slug>/atom/", feeds.TopicAtom(), name="feed_topic_atom"),
]

urlpatterns += [
    path("newsroom/autosave/", views.article_autosave, name="autosave"),
    path("newsroom/autosave/discard/", views.article_autosave_discard, name="autosave_discard"),
]
