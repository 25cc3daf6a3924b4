from django_tasks import task

from articles.models import Image
from articles.renditions import create_renditions


@task()
def make_renditions(image_id: int) -> int:
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return len(create_renditions(image))


@task()
def fold_page_views() -> int:
    """Add the page views counted in the cache to the daily counts (see articles/page_views.py)."""
    from articles.services import page_views_fold

    return page_views_fold()
