from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.selectors import navigation
from magazine.models import SiteSettings
from magazine.pagecache import depends_on
from magazine.selectors import latest_edition, site_pages


def site_chrome(request):
    """What every page's header and footer show: menus, site name, site settings, latest issue,
    the site pages (About, Privacy policy …).

    Each piece is cached site-wide under its own version key, so a page pays for them only
    when an editor has just changed one.
    """
    depends_on(("taxonomy", "all"), ("editions", "all"), ("sitesettings", "all"), ("sitepages", "all"))
    return {
        "nav": SimpleLazyObject(navigation),
        "site_name": settings.SITE_NAME,
        "site_settings": SimpleLazyObject(SiteSettings.load),
        "latest_edition": SimpleLazyObject(latest_edition),
        "site_pages": SimpleLazyObject(site_pages),
    }
