import shutil
import tempfile

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _media_root(settings):
    """Every test writes uploads and renditions to a folder of its own."""
    folder = tempfile.mkdtemp(prefix="magazine-media-")
    settings.MEDIA_ROOT = folder
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.contrib.contenttypes.models import ContentType

    cache.clear()
    # A transactional test that flushed the database may have had the content types made again
    # under new ids (post_migrate); ids cached in this process would then point at nothing.
    ContentType.objects.clear_cache()
    yield
    cache.clear()


def pytest_collection_modifyitems(items):
    """Transactional tests (live server, browser) flush the database when they end, which would
    also remove what data migrations made (staff groups, the default newsletter): give every such
    test a serialized rollback, so the database is as migrations left it for the tests after it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}), append=False
            )
