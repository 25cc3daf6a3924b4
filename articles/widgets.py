"""Admin widgets of the article form."""

from __future__ import annotations

from django import forms
from django.urls import reverse


class BodyEditorWidget(forms.Textarea):
    """The body's Markdown textarea, which ``static/articles/body_editor.js`` turns into an editor.

    The script adds a toolbar (headings, bold, italic, link, lists, quote, READ MORE slot),
    keyboard shortcuts and a live preview beside the text, rendered by the server's
    ``articles:body_preview`` view with the article page's own renderer. Without the script
    it stays a plain textarea.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 24, "class": "vLargeTextField", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-body-preview-url"] = reverse("articles:body_preview")
        return context

    class Media:
        js = ["articles/body_editor.js"]
