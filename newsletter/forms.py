from django import forms
from django.conf import settings

from articles.models import Region, Topic
from newsletter import selectors
from newsletter.models import Newsletter, Subscriber
from newsletter.validators import clean_email_address

SOURCES = {
    "article": "Article page",
    "list": "Region or topic page",
    "home": "Home page",
    "footer": "Footer",
    "page": "Newsletter page",
}


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Choices posted as ids; anything but a plain id of at most 18 digits is an invalid choice
    before it reaches the database (SQLite raised OverflowError on ids past its integer range:
    a 500 instead of the form again)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class IdChoiceField(forms.ModelChoiceField):
    """One choice posted as an id, held to the same rule as ``IdsChoiceField``: "²" or "٣"
    (digits ``int()`` refuses or reads) and ids past every integer range are invalid choices."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(text)


class SignUpPageForm(forms.Form):
    """``/newsletter/?list=<slug>``: the list the sign-up page starts with ticked."""

    list = forms.ModelChoiceField(
        queryset=Newsletter.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "There is no newsletter by that name."},
    )


class ListButtonForm(forms.Form):
    """A preference-centre button: the one list it is for, or none for every list."""

    newsletter = IdChoiceField(
        queryset=Newsletter.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That newsletter does not exist (any more). Nothing was changed."},
    )


class UnsubscribeForm(forms.Form):
    """The POST to an unsubscribe link: the page's button, or a mail provider's one-click
    unsubscribe (RFC 8058), which sends ``List-Unsubscribe=One-Click``."""

    ONE_CLICK = "One-Click"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The field's name is fixed by RFC 8058, hyphen and all.
        self.fields["List-Unsubscribe"] = forms.ChoiceField(choices=[(self.ONE_CLICK, self.ONE_CLICK)], required=False)

    def is_one_click(self) -> bool:
        """Any other value is the page's own button: the unsubscribe happens either way."""
        return self.is_valid() and self.cleaned_data["List-Unsubscribe"] == self.ONE_CLICK


class SignUpForm(forms.Form):
    email = forms.CharField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )
    newsletters = IdsChoiceField(
        label="Newsletters",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "That newsletter does not exist or is closed. Choose one of the lists shown."},
    )
    consent = forms.BooleanField(
        label=settings.NEWSLETTER_CONSENT_TEXT,
        error_messages={"required": "Please tick the box to agree to receive the newsletter."},
    )
    source = forms.ChoiceField(choices=list(SOURCES.items()), initial="page", widget=forms.HiddenInput, required=False)
    page = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].queryset = selectors.active_newsletters()

    def clean_email(self):
        return clean_email_address(self.cleaned_data["email"])

    def clean_newsletters(self):
        chosen = list(self.cleaned_data.get("newsletters") or [])
        if not chosen:
            default = selectors.default_newsletter()
            if default is None:
                raise forms.ValidationError("There is no newsletter to subscribe to at the moment.")
            chosen = [default]
        return chosen

    def clean_page(self):
        page = self.cleaned_data.get("page") or ""
        return page if page.startswith("/") and not page.startswith("//") else ""

    def consent_source(self) -> str:
        source = self.cleaned_data.get("source") or "page"
        page = self.cleaned_data.get("page") or ""
        return f"{SOURCES.get(source, source)} {page}".strip()


class PreferencesForm(forms.Form):
    newsletters = IdsChoiceField(
        label="Newsletters I get",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick every list to stop all mail.",
    )
    regions = IdsChoiceField(
        label="Regions I care about",
        queryset=Region.objects.order_by("ordering", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: stories from everywhere.",
    )
    topics = IdsChoiceField(
        label="Topics I care about",
        queryset=Topic.objects.order_by("ordering", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every topic.",
    )
    format = forms.ChoiceField(label="Format", choices=Subscriber.Format.choices, widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].queryset = selectors.active_newsletters()

    @classmethod
    def for_subscriber(cls, subscriber: Subscriber, data=None):
        initial = {
            "newsletters": [
                s.newsletter_id for s in subscriber.subscriptions.all() if s.state == s.State.ACTIVE
            ] if subscriber.state == Subscriber.State.ACTIVE else [],
            "regions": [r.pk for r in subscriber.regions.all()],
            "topics": [t.pk for t in subscriber.topics.all()],
            "format": subscriber.format,
        }
        return cls(data=data, initial=initial)


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row. Up to 5 MB.")
    send_confirmations = forms.BooleanField(
        label="Mail a confirmation link to rows without a consent record",
        required=False,
        help_text="Rows without consent are imported as pending; they are never activated without it.",
    )


class SendConfirmForm(forms.Form):
    """The confirmation step of a send: a test to oneself first, or the send itself. ``recipients``
    is the count the page showed, so the message can say when it changed meanwhile."""

    action = forms.ChoiceField(choices=[("test", "Send a test to me first"), ("send", "Send now")])
    recipients = forms.IntegerField(min_value=0, max_value=10**12)
