from django.conf import settings

from articles.selectors import navigation
from magazine.models import SiteSettings


def site_chrome(request):
    """What every page's header and footer show: menus, site name and the site settings."""
    return {
        "nav": navigation(),
        "site_name": settings.SITE_NAME,
        "site_settings": SiteSettings.load(),
    }
