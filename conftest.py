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
    cache.clear()
    yield
    cache.clear()
