"""Demo print issues: a drawn cover and a short PDF for each city edition and month.

Everything is drawn with Pillow (which also writes the PDF), so the demo needs no files of its
own. The same city and month always give the same cover and PDF.
"""

from __future__ import annotations

import datetime
import io

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from articles.demo_content import TOPICS, hero_image_bytes

CITY_EDITIONS = [("Shanghai", "shanghai"), ("Beijing", "beijing")]
ISSUE_THEMES = [  # one per calendar month, January first
    "Winter Warmers",
    "The Spring Festival Issue",
    "Spring in the City",
    "Weekend Escapes",
    "Family Days Out",
    "Summer Nights",
    "The Travel Issue",
    "Street Life",
    "The Culture Guide",
    "Golden Week Escapes",
    "Best New Openings",
    "The Design Issue",
]
COVER_SIZE = (600, 800)
PAGE_SIZE = (595, 842)  # A4 at 72 dpi
INK = (20, 20, 24)
PAPER = (250, 248, 243)
ACCENT = (200, 16, 46)


def issue_title(month: datetime.date) -> str:
    return ISSUE_THEMES[month.month - 1]


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: one size only
        return ImageFont.load_default()


def _cover_image(city: str, month: datetime.date) -> PILImage.Image:
    seed = month.year * 12 + month.month + (0 if city == "Shanghai" else 500)
    topic = TOPICS[seed % len(TOPICS)].slug
    scene = PILImage.open(io.BytesIO(hero_image_bytes(seed, topic))).convert("RGB")
    # The middle of the landscape scene, scaled to fill the portrait cover.
    height = scene.height
    width = height * COVER_SIZE[0] // COVER_SIZE[1]
    left = (scene.width - width) // 2
    cover = scene.crop((left, 0, left + width, height)).resize(COVER_SIZE)
    draw = ImageDraw.Draw(cover)
    draw.rectangle((0, 0, COVER_SIZE[0], 150), fill=PAPER)
    draw.rectangle((0, 146, COVER_SIZE[0], 154), fill=ACCENT)
    draw.text((30, 28), "City Magazine", font=_font(58), fill=INK)
    draw.text((32, 100), f"{city} edition · {month:%B %Y}", font=_font(24), fill=INK)
    draw.rectangle((0, COVER_SIZE[1] - 130, COVER_SIZE[0], COVER_SIZE[1]), fill=INK)
    draw.text((30, COVER_SIZE[1] - 100), issue_title(month), font=_font(44), fill=PAPER)
    return cover


def cover_bytes(city: str, month: datetime.date) -> bytes:
    buffer = io.BytesIO()
    _cover_image(city, month).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _text_page(lines: list[str]) -> PILImage.Image:
    page = PILImage.new("RGB", PAGE_SIZE, PAPER)
    draw = ImageDraw.Draw(page)
    draw.text((50, 60), lines[0], font=_font(30), fill=INK)
    draw.rectangle((50, 104, 200, 108), fill=ACCENT)
    for number, line in enumerate(lines[1:]):
        draw.text((50, 140 + number * 28), line, font=_font(18), fill=INK)
    return page


def pdf_bytes(city: str, month: datetime.date) -> bytes:
    """The issue as a PDF: its cover, then a contents page and two pages of the lead story."""
    title = issue_title(month)
    pages = [
        _cover_image(city, month).resize((PAGE_SIZE[0], PAGE_SIZE[0] * COVER_SIZE[1] // COVER_SIZE[0])),
        _text_page(["In this issue", title, "", "Around town", "Eat and drink", "Weekend escapes", "Listings"]),
        _text_page([title, f"The {city} edition, {month:%B %Y}.", "", "A demo issue of the print magazine."]),
        _text_page(["Listings", "Openings, exhibitions and concerts", "for the month ahead."]),
    ]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    return buffer.getvalue()


def issue_months(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` months before this one, newest first."""
    month = today.replace(day=1)
    months = []
    for _ in range(count):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months
