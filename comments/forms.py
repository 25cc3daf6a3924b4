from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.conf import settings

from comments.models import CommentFlag
from comments.text import clean_text
from magazine.forms import page_number_field


class CommentForm(forms.Form):
    """What a reader fills in under an article. The email is never shown publicly."""

    name = forms.CharField(max_length=80, label="Name", help_text="Shown with your comment.")
    email = forms.EmailField(
        max_length=254, label="Email", help_text="Never shown. We email you a link to confirm that it is yours."
    )
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 5}), help_text="")
    notify_replies = forms.BooleanField(required=False, label="Email me replies to this comment")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**62)
    timestamp = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)
    # Left empty by people; bots that fill every field give themselves away.
    website = forms.CharField(
        required=False,
        max_length=500,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.COMMENTS_MAX_LENGTH
        self.fields["body"].help_text = (
            f"Plain text, up to {limit:,} characters. Links become clickable; "
            f"at most {settings.COMMENTS_MAX_LINKS} per comment."
        )
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_method = "post"
        self.helper.form_class = "comment-form"
        self.helper.attrs = {"id": "comment-form", "novalidate": ""}
        self.helper.layout = Layout(
            Div(Field("name", wrapper_class="col-12 col-md-6"), Field("email", wrapper_class="col-12 col-md-6"), css_class="row"),
            "body",
            "notify_replies",
            Div("website", css_class="comment-hp", aria_hidden="true"),
            "parent",
            "timestamp",
            Submit("submit", "Post comment", css_class="btn btn-dark"),
        )

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"], multiline=False)
        if not name:
            raise forms.ValidationError("Please enter a name (letters, not only symbols or spaces).")
        return name

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        limit = settings.COMMENTS_MAX_LENGTH
        if not body:
            raise forms.ValidationError("Please write a comment.")
        if len(body) > limit:
            raise forms.ValidationError(
                f"Your comment is {len(body):,} characters long; the limit is {limit:,}. "
                "Please shorten it and send again."
            )
        return body

    def clean_email(self):
        return self.cleaned_data["email"].strip()


class CommentReportForm(forms.Form):
    """Why a reader reports a comment: a reason to choose, and a note if they want to add one."""

    NOTE_MAX_LENGTH = 500

    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=CommentFlag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose a reason, so the moderators know what to look for."},
    )
    note = forms.CharField(
        label="Anything the moderators should know (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {NOTE_MAX_LENGTH} characters. Not shown to other readers.",
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["invalid_choice"] = "Please choose one of the reasons listed."
        self.fields["note"].error_messages["max_length"] = (
            f"Please keep the note to {self.NOTE_MAX_LENGTH} characters (it has %(show_value)d)."
        )
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_method = "post"
        self.helper.form_class = "comment-report-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout("reason", "note", Submit("submit", "Send report", css_class="btn btn-dark"))

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class ConfirmForm(forms.Form):
    """An empty form: the button on confirm, delete and unsubscribe pages."""


class ThreadPageForm(forms.Form):
    """``?comments_page=`` under an article: which page of the discussion to show."""

    comments_page = page_number_field()

    def page_number(self) -> int | None:
        """The page asked for (1 when none was), or None when the value is no page number."""
        if not self.is_valid():
            return None
        return self.cleaned_data["comments_page"] or 1
