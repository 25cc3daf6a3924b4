"""Forms of the article views: what a reader, or the admin's body editor, may send."""

from __future__ import annotations

from django import forms

from articles import sharing
from articles.models import Image
from magazine.forms import StoredUploadsModelForm
from magazine.validators import ImageUploadField


class ShareForm(forms.Form):
    """A reader's share of an article: the network it went to."""

    network = forms.ChoiceField(
        choices=list(sharing.NETWORKS.items()),
        error_messages={
            "required": f"Name the network; expected one of: {', '.join(sharing.NETWORKS)}.",
            "invalid_choice": f"Unknown network; expected one of: {', '.join(sharing.NETWORKS)}.",
        },
    )


class BodyPreviewForm(forms.Form):
    """What the admin's body editor sends for a preview: the Markdown, and the article it belongs to."""

    MAX_LENGTH = 500_000

    body = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_LENGTH,
        error_messages={"max_length": f"The body is too long to preview (more than {MAX_LENGTH:,} characters)."},
    )
    article = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "The article is named by its number.", "min_value": "The article is named by its number."},
    )


class ImageUploadForm(StoredUploadsModelForm):
    """A picture uploaded from the body editor: the image admin's fields and upload checks."""

    class Meta:
        model = Image
        fields = ["title", "file", "alt_text", "decorative", "caption", "credit"]
        field_classes = {"file": ImageUploadField}


class ImageLibraryForm(forms.Form):
    """The body editor's image library: words to look for (none: the newest pictures)."""

    q = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "Search with fewer words (at most 100 characters)."},
    )
