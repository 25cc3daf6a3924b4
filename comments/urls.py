from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("post/<int:article_id>/", views.post_comment, name="post"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/flag/", views.flag, name="flag"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("delete/<str:token>/", views.delete, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
