"""Reader pages load a subset of Bootstrap (``make css``): every Bootstrap class the reader templates
use must be in it, or the page that uses it loses its styling. When this fails after a template
change, run ``make css`` and commit the rebuilt subset."""

import re
from pathlib import Path

import pytest
from django.conf import settings

BOOTSTRAP = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap"
FULL = BOOTSTRAP / "bootstrap.min.css"
SUBSET = BOOTSTRAP / "bootstrap.subset.min.css"
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "comments" / "templates"]

BLOCK_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
VARIABLE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
CLASS_ATTRIBUTE = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
DECLARATIONS = re.compile(r"\{[^{}]*\}")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")


def css_classes(path: Path) -> set[str]:
    """The class names the stylesheet's selectors name (declarations and comments left out)."""
    css = COMMENT.sub("", path.read_text(encoding="utf-8"))
    return set(CLASS_SELECTOR.findall(DECLARATIONS.sub("{}", css)))


def reader_templates() -> list[Path]:
    """Templates of reader pages: not the admin's (it has its own stylesheet), not mail."""
    return [
        path
        for folder in TEMPLATE_DIRS
        for path in sorted(folder.rglob("*.html"))
        if not {"admin", "email"} & set(path.relative_to(folder).parts)
    ]


def template_classes(path: Path) -> set[str]:
    """Class names in the template's class attributes. Template tags inside a value are dropped
    (``{% if lead %}card--lead{% endif %}`` keeps ``card--lead``), and names made from a variable
    (``col-{{ width }}``, ``col-{% if wide %}8{% endif %}``) cannot be checked and are left out."""
    classes = set()
    # Quotes inside tags ({% if kind == "lead" %}) would end the attribute value early.
    text = re.sub(r"\{[%{#].*?[%}#]\}", lambda tag: re.sub("[\"']", "", tag.group(0)), path.read_text(encoding="utf-8"), flags=re.DOTALL)
    for match in CLASS_ATTRIBUTE.finditer(text):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        value = VARIABLE.sub("\x00", value)
        for word in BLOCK_TAG.sub(" ", value).split():
            if re.fullmatch(r"-?[_a-zA-Z][_a-zA-Z0-9-]*(?<!-)", word):
                classes.add(word)
    return classes


def test_class_attributes_are_read_from_templates_with_tags_inside(tmp_path):
    template = tmp_path / "t.html"
    template.write_text(
        '<div class="card {% if lead %}card-lead{% endif %} col-{{ width }} g-{% if a %}2{% endif %}">'
        '<span class="{% if kind == "lead" %}lead{% endif %} {{ "x"|add:"y" }}">'
        "<p class='small text-muted'>{{ x }}</p>"
        '<a class="{% if current %}active{% else %}{% endif %} nav-link" '
        'href="{% url "x" %}">'
    )
    assert template_classes(template) == {
        "card", "card-lead", "lead", "small", "text-muted", "active", "nav-link",
    }


def test_the_stylesheet_parser_reads_class_selectors_only(tmp_path):
    sample = tmp_path / "sample.css"
    sample.write_text(".a,.b:hover>.c{margin:.5rem}@media (min-width:576.98px){.d{x:1}}/* .e */")
    assert css_classes(sample) == {"a", "b", "c", "d"}


def test_every_bootstrap_class_the_reader_templates_use_is_in_the_subset():
    assert SUBSET.exists(), "static/vendor/bootstrap/bootstrap.subset.min.css is missing: run `make css`"
    full, subset = css_classes(FULL), css_classes(SUBSET)
    missing = {}
    for path in reader_templates():
        lost = (template_classes(path) & full) - subset
        if lost:
            missing[str(path.relative_to(settings.BASE_DIR))] = sorted(lost)
    assert not missing, f"Bootstrap classes missing from the subset; run `make css` and commit it: {missing}"


def test_the_subset_is_much_smaller_than_bootstrap():
    assert SUBSET.stat().st_size < FULL.stat().st_size / 2


@pytest.mark.django_db
def test_reader_pages_load_the_subset_and_the_admin_does_not(client, admin_client):
    html = client.get("/").content.decode()
    assert "vendor/bootstrap/bootstrap.subset.min" in html
    assert "vendor/bootstrap/bootstrap.min.css" not in html
    admin = admin_client.get("/admin/").content.decode()
    assert "vendor/bootstrap" not in admin
