import datetime

import factory
from django.core.files.base import ContentFile

from articles.tests.factories import image_bytes
from magazine.models import CityEdition, Edition


def pdf_bytes(pages: int = 3) -> bytes:
    """A small, well-formed PDF with ``pages`` empty pages."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + n} 0 R" for n in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class CityEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityEdition
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition

    city = factory.SubFactory(CityEditionFactory)
    issue_month = factory.Sequence(lambda n: datetime.date(2026 - n // 12, 12 - n % 12, 1))
    title = factory.Sequence(lambda n: f"The issue number {n}")
    cover = factory.LazyFunction(lambda: ContentFile(image_bytes(600, 800), name="cover.jpg"))
    pdf = factory.LazyFunction(lambda: ContentFile(pdf_bytes(), name="issue.pdf"))
    page_count = 3
