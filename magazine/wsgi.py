import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magazine.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after set-up, on purpose

# Refuse to serve without a secret key (Django raises "The SECRET_KEY setting must not be
# empty"), rather than failing on the first request that signs something.
settings.SECRET_KEY  # noqa: B018
