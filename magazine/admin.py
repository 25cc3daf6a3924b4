from django.contrib import admin

from magazine.models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("WeChat", {"fields": ["wechat_account_id", "wechat_follow_url"]}),
        ("Newsletter promo", {"fields": ["newsletter_promo_title", "newsletter_promo_text"]}),
    ]

    def has_add_permission(self, request):
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
