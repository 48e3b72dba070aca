from django import forms

from providers.models import OnwardKind, OnwardStatus, Provider
from providers.selectors import spot_purchase_providers
from referrals.forms import DateInput
from sps.categories import Category
from sps.idempotency import IdempotentForm
from sps.plain import PlainErrors


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"placeholder": "Service, organisation or words in its description", "class": "form-control"}))
    categories = forms.MultipleChoiceField(choices=Category.choices, required=False, label="Needs",
                                           widget=forms.CheckboxSelectMultiple)
    area = forms.CharField(
        required=False, max_length=100, label="Postcode or area",
        error_messages={"max_length": "Type a postcode, a postcode district or a place of at most 100 characters."},
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "e.g. S66 8AB, S66 or Wath"}))
    with_room = forms.BooleanField(required=False, label="Only services with room now")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": data["q"].strip(), "categories": data["categories"], "area": data["area"].strip(),
                "with_room": data["with_room"]}


class DashboardFilterForm(PlainErrors, forms.Form):
    """The contract dashboard's filters. A provider's name may travel in the URL: it names an organisation,
    never a person."""

    provider = forms.CharField(
        required=False, max_length=100, label="Provider name",
        error_messages={"null_characters_not_allowed": "Type the provider name in letters, numbers and "
                                                       "punctuation only."},
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search", "autocomplete": "off",
                                      "placeholder": "Part of the name"}))
    flagged = forms.BooleanField(required=False, label="Flagged grants only")

    def clean_provider(self) -> str:
        return " ".join(self.cleaned_data["provider"].split())

    def filters(self) -> dict:
        """The filters to apply: one that is not valid is left out (the page says why), the others kept."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"name": data.get("provider", ""), "flagged_only": data.get("flagged", False)}


class InboxSearchForm(forms.Form):
    """A name to look for in the provider inbox. It is posted and kept in the session, never put in a URL:
    URLs land in proxy and server logs, and a name there would outlive the rule on how long it is shown."""

    q = forms.CharField(max_length=100, label="Name", error_messages={
        "required": "Type part of the person's name to search for."},
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off",
                                      "placeholder": "Given or family name, or both"}))

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class OnwardReferralForm(PlainErrors, IdempotentForm, forms.Form):
    """An onward referral to a service from the directory."""

    nouns = {"need": "the need it meets", "made_date": "the date of the onward referral"}

    need = forms.ChoiceField(choices=[("", "---------"), *Category.choices], required=False,
                             label="The need it meets")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            label="What the provider needs to know",
                            help_text="The provider sees this with the person's name, address and phone.")
    made_date = forms.DateField(label="Date", widget=DateInput())
    send = forms.BooleanField(required=False, initial=True, label="Send it to the provider now",
                              help_text="Untick to record it as proposed, to send once you have talked it over.")


class OtherOnwardForm(PlainErrors, IdempotentForm, forms.Form):
    """A referral to a non-VCS (statutory) destination, or a signpost, written as free text."""

    nouns = {"kind": "whether it is a non-VCS referral or a signpost", "destination": "where the person is sent",
             "need": "the need it meets", "made_date": "the date"}

    kind = forms.ChoiceField(choices=[(OnwardKind.NON_VCS, OnwardKind.NON_VCS.label),
                                      (OnwardKind.SIGNPOST, OnwardKind.SIGNPOST.label)], widget=forms.RadioSelect)
    destination = forms.CharField(max_length=200, label="Where to",
                                  help_text="For example: Adult Social Care, Citizens Advice leaflet on PIP.")
    need = forms.ChoiceField(choices=[("", "---------"), *Category.choices], required=False,
                             label="The need it meets")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    made_date = forms.DateField(label="Date", widget=DateInput())


class OnwardStatusForm(PlainErrors, forms.Form):
    """What happened to an onward referral. Nothing is chosen beforehand: a stray Save must not accept."""

    status = forms.ChoiceField(choices=OnwardStatus.choices, label="Mark as", error_messages={
        "required": "Choose what happened in \"Mark as\": nothing was saved.",
        "invalid_choice": "Choose what happened in \"Mark as\": nothing was saved."})
    on = forms.DateField(label="Date", widget=DateInput(), error_messages={
        "required": "Give the date it happened: nothing was saved.",
        "invalid": "Give the date it happened as a date, for example 23/11/2026: nothing was saved."})
    reason = forms.CharField(required=False, max_length=500, label="Reason (when declining)", error_messages={
        "max_length": "Keep the reason to 500 characters or fewer: nothing was saved."})


# The answer recorded, and "not known" to take back one given by mistake.
CONTINUED = {"yes": True, "no": False, "unknown": None}


class ContinuedForm(forms.Form):
    continued = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Not known")],
                                       coerce=CONTINUED.get, empty_value=None)


class SpotPurchaseForm(PlainErrors, forms.Form):
    nouns = {"provider": "the provider", "description": "what is to be bought",
             "reason": "why no commissioned service fits", "cost": "the cost in pounds"}

    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    description = forms.CharField(max_length=300, label="What is bought",
                                  help_text="For example: 6 sessions of gardening therapy.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why no commissioned service fits")
    cost = forms.DecimalField(max_digits=9, decimal_places=2, min_value=0.01, label="Cost (£)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = spot_purchase_providers()


class SpotPurchaseDecisionForm(PlainErrors, forms.Form):
    nouns = {"approve": "whether to approve it", "reason": "the reason"}

    approve = forms.TypedChoiceField(choices=[("yes", "Approve"), ("no", "Refuse")], coerce=lambda v: v == "yes")
    reason = forms.CharField(required=False, max_length=500, label="Reason (when refusing)")
