from django.urls import path

from newsletter import views, webhooks

app_name = "newsletter"

urlpatterns = [
    path("", views.signup_page, name="signup"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("check-your-inbox/", views.check_inbox, name="check_inbox"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("preferences/<str:token>/unsubscribe/", views.preferences_unsubscribe, name="preferences_unsubscribe"),
    path("preferences/<str:token>/resubscribe/", views.preferences_resubscribe, name="preferences_resubscribe"),
    path("preferences/<str:token>/my-data.json", views.preferences_data, name="preferences_data"),
    path("preferences/<str:token>/delete/", views.preferences_delete, name="preferences_delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("issues/<slug:web_id>/", views.issue_web_version, name="issue_web"),
    path("webhooks/postmark/tracking/", webhooks.postmark_tracking, name="postmark_tracking"),
    path("webhooks/postmark/inbound/", webhooks.postmark_inbound, name="postmark_inbound"),
    path("<slug:slug>/", views.newsletter_detail, name="detail"),
]
