from django_tasks import task

from articles.models import Image
from articles.renditions import create_renditions


@task()
def make_renditions(image_id: int) -> int:
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return len(create_renditions(image))
