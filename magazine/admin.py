from django.contrib import admin
from django.db import models

from magazine.models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """The one row of site-wide options: it can be added once and never deleted."""

    fieldsets = [
        ("WeChat", {"fields": ["wechat_account_id", "wechat_follow_url"]}),
        ("Newsletter promo", {"fields": ["newsletter_promo_title", "newsletter_promo_text"]}),
    ]
    list_display = ["__str__", "wechat_account_id", "newsletter_promo_title"]
    # Links typed without a scheme are taken as https, as Django 6 will do.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        # Whoever may change the settings may also make the row the first time.
        allowed = super().has_add_permission(request) or self.has_change_permission(request)
        return allowed and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
