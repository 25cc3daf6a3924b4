"""Admin widgets of the article form."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from articles.embeds import PROVIDER_NAMES


class BodyEditorWidget(forms.Textarea):
    """The body's Markdown textarea, which ``static/articles/body_editor.js`` turns into an editor.

    The script adds a toolbar (headings, bold, italic, link, lists, quote, READ MORE slot,
    image, gallery, embed, pull quote), keyboard shortcuts and a live preview beside the text,
    rendered by the server's ``articles:body_preview`` view with the article page's own
    renderer. Pictures are uploaded (button, drag and drop, paste) to ``articles:image_upload``
    or picked from ``articles:image_library``. Without the script it stays a plain textarea.
    """

    HELP_TEXT = (
        "Markdown. Lines of their own (an empty line before and after) add: [read more] a link to the next "
        "hand-picked 'read more' article (without one the links are placed through the text); [image 42] or "
        '[image 42 "A caption"] a picture from the image library; [gallery 12 13 14] 2 to 20 pictures; '
        "[embed https://…] a video or map from YouTube, Bilibili, Vimeo, OpenStreetMap or Google Maps; "
        "[pull quote] Words — Who said them. The toolbar's Image, Gallery, Embed and Pull quote buttons write them for you."
    )

    template_name = "articles/widgets/body_editor.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 24, "class": "vLargeTextField", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        attrs["data-body-preview-url"] = reverse("articles:body_preview")
        attrs["data-image-library-url"] = reverse("articles:image_library")
        attrs["data-image-upload-url"] = reverse("articles:image_upload")
        attrs["data-embed-providers"] = PROVIDER_NAMES
        return context

    class Media:
        js = ["articles/body_editor.js"]
