"""Forms of the reader pages: what a reader may send to an article view."""

from __future__ import annotations

from django import forms

from articles import sharing


class ShareForm(forms.Form):
    """A reader's share of an article: the network it went to."""

    network = forms.ChoiceField(
        choices=list(sharing.NETWORKS.items()),
        error_messages={
            "required": f"Name the network; expected one of: {', '.join(sharing.NETWORKS)}.",
            "invalid_choice": f"Unknown network; expected one of: {', '.join(sharing.NETWORKS)}.",
        },
    )
