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
    (``{% if lead %}card--lead{% endif %}`` keeps ``card--lead``); names made from a variable
    (``col-{{ width }}``, ``col-{% if wide %}8{% endif %}``) are returned by ``built_classes``."""
    return _classes(path)[0]


def built_classes(path: Path) -> set[str]:
    """The literal beginnings of class names completed by a variable (``row-cols-lg-`` of
    ``row-cols-lg-{{ columns }}``): PurgeCSS cannot see the whole name, so it leaves it out."""
    return _classes(path)[1]


def _classes(path: Path) -> tuple[set[str], set[str]]:
    classes, built = set(), set()
    # Quotes inside tags ({% if kind == "lead" %}) would end the attribute value early.
    text = re.sub(
        r"\{[%{#].*?[%}#]\}",
        lambda tag: re.sub("[\"']", "", tag.group(0)),
        path.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    for match in CLASS_ATTRIBUTE.finditer(text):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        value = VARIABLE.sub("\x00", value)
        value = BLOCK_TAG.sub("\x01", value)
        for word in value.replace("\x01", " ").split():
            if re.fullmatch(r"-?[_a-zA-Z][_a-zA-Z0-9-]*(?<!-)", word):
                classes.add(word)
        for word in value.split():
            # A word glued to a variable, or a name ending in "-" before a tag: built at render.
            head = re.match(r"-?[_a-zA-Z][_a-zA-Z0-9-]*", word)
            if head and ("\x00" in word or word[head.end():].startswith("\x01") and head.group(0).endswith("-")):
                built.add(head.group(0))
    return classes, built


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
    assert built_classes(template) == {"col-", "g-"}


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


def test_no_reader_template_builds_a_bootstrap_class_name_from_a_variable():
    """``row-cols-lg-{{ columns }}`` names no class PurgeCSS (or the test above) can see: spell
    each class out, e.g. ``{% if columns == 3 %}row-cols-lg-3{% else %}row-cols-lg-4{% endif %}``."""
    full = css_classes(FULL)
    built = {}
    for path in reader_templates():
        prefixes = sorted(head for head in built_classes(path) if any(name.startswith(head) for name in full))
        if prefixes:
            built[str(path.relative_to(settings.BASE_DIR))] = prefixes
    assert not built, f"Bootstrap class names completed by a variable: {built}"


def test_the_subset_is_much_smaller_than_bootstrap():
    assert SUBSET.stat().st_size < FULL.stat().st_size / 2


@pytest.mark.django_db
def test_reader_pages_load_the_subset_and_the_admin_does_not(client, admin_client):
    html = client.get("/").content.decode()
    assert "vendor/bootstrap/bootstrap.subset.min" in html
    assert "vendor/bootstrap/bootstrap.min.css" not in html
    admin = admin_client.get("/admin/").content.decode()
    assert "vendor/bootstrap" not in admin
