"""Forms of the site core."""

from __future__ import annotations

from django import forms

from magazine.models import CityEdition

# The highest page number a list accepts (six digits: what the page cache keys, see pagecache.py).
PAGE_NUMBER_MAX = 999_999
YEAR_MIN, YEAR_MAX = 1, 9999  # the years a date can have


def page_number_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=PAGE_NUMBER_MAX,
        error_messages={
            "invalid": "A page number is a whole number, e.g. 2.",
            "min_value": "Pages are numbered from 1.",
            "max_value": "There is no page with so high a number.",
        },
        **kwargs,
    )


class PageForm(forms.Form):
    """``?page=`` of a paginated list: a page number from 1, or nothing for the first page."""

    page = page_number_field()

    def page_number(self) -> int | None:
        """The page asked for (1 when none was), or None when the value is no page number."""
        if not self.is_valid():
            return None
        return self.cleaned_data["page"] or 1


class ArchiveFilterForm(PageForm):
    """The print archive's filters: a city edition (by slug), a year, and the page."""

    city = forms.ModelChoiceField(
        queryset=CityEdition.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "There is no such city edition."},
    )
    year = forms.IntegerField(
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "A year is written in digits, e.g. 2026.",
            "min_value": "No such year in the archive.",
            "max_value": "No such year in the archive.",
        },
    )

    def first_error(self) -> str:
        return next((error for errors in self.errors.values() for error in errors), "")


class SearchForm(forms.Form):
    """What a reader asks site search: words, and optionally a region, a topic and dates.

    Region and topic are offered from the menus (``nav``, cached), so validating them costs no
    query. The words are never invalid: ``articles.search.parse_query`` makes sense of them.
    """

    q = forms.CharField(
        required=False,
        label="Search for",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    region = forms.ChoiceField(required=False, label="Region")
    topic = forms.ChoiceField(required=False, label="Topic")
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-05-01."},
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-05-31."},
    )

    # Shown as links above the results, not in the filters; an unknown value means the default.
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    SORTS = {"": "Best match", "newest": "Newest first"}

    def __init__(self, *args, nav: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {region.slug: region for region in nav.get("regions", [])}
        self.topics = {topic.slug: topic for topic in nav.get("topics", [])}
        self.fields["region"].choices = [("", "All regions"), *((r.slug, r.name) for r in self.regions.values())]
        self.fields["topic"].choices = [("", "All topics"), *((t.slug, t.name) for t in self.topics.values())]
        self.fields["region"].error_messages["invalid_choice"] = "Choose one of the regions in the list."
        self.fields["topic"].error_messages["invalid_choice"] = "Choose one of the topics in the list."

    def clean_region(self):
        return self.regions.get(self.cleaned_data["region"])

    def clean_topic(self):
        return self.topics.get(self.cleaned_data["topic"])

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort in self.SORTS else ""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class StoredUploadsModelForm(forms.ModelForm):
    """A model form whose uploaded files are written to the media storage while it validates.

    A storage that refuses the file (the bucket is down or denies the write) then makes an error
    on the file's field, and the form comes back with everything typed in it, instead of the save
    failing with a server error half-way. Files are written only once everything else is valid.
    """

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        from django.db.models import FileField

        from magazine.storage import store_uploads

        names = [f.name for f in self.instance._meta.concrete_fields if isinstance(f, FileField) and f.name in self.fields]
        for name, message in store_uploads(self.instance, names).items():
            self.add_error(name, message)
