from django.conf import settings
from django.core.cache import cache
from django.db import models

_CACHE_KEY = "site-settings"


class SiteSettings(models.Model):
    """Site-wide options that staff change in the admin; there is one row."""

    wechat_account_id = models.CharField(
        max_length=80, blank=True, help_text="The WeChat official account id readers search for."
    )
    wechat_follow_url = models.URLField(
        blank=True,
        help_text="The follow link encoded in the QR code. Left blank, a weixin:// link to the account id is used.",
    )
    newsletter_promo_title = models.CharField(max_length=120, default="7 Days in China")
    newsletter_promo_text = models.CharField(
        max_length=250, default="Weekly updates to your email inbox every Wednesday."
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(_CACHE_KEY)

    @property
    def wechat_id(self) -> str:
        return self.wechat_account_id or settings.WECHAT_ACCOUNT_ID

    @property
    def wechat_qr_target(self) -> str:
        return self.wechat_follow_url or settings.WECHAT_FOLLOW_URL or f"weixin://dl/officialaccounts?username={self.wechat_id}"

    @classmethod
    def load(cls) -> "SiteSettings":
        found = cache.get(_CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(_CACHE_KEY, found, 3600)
        return found
