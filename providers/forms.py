from django import forms

from providers.models import OnwardKind, OnwardStatus, Provider
from providers.selectors import spot_purchase_providers
from referrals.forms import DateInput
from sps.categories import Category


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"placeholder": "Service, organisation or words in its description", "class": "form-control"}))
    categories = forms.MultipleChoiceField(choices=Category.choices, required=False, label="Needs",
                                           widget=forms.CheckboxSelectMultiple)
    area = forms.CharField(required=False, label="Area", widget=forms.TextInput(attrs={"class": "form-control",
                                                                                      "placeholder": "e.g. Wath"}))
    with_room = forms.BooleanField(required=False, label="Only services with room now")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": data["q"].strip(), "categories": data["categories"], "area": data["area"].strip(),
                "with_room": data["with_room"]}


class InboxSearchForm(forms.Form):
    """A name to look for in the provider inbox. It is posted and kept in the session, never put in a URL:
    URLs land in proxy and server logs, and a name there would outlive the rule on how long it is shown."""

    q = forms.CharField(max_length=100, label="Name", error_messages={
        "required": "Type part of the person's name to search for."},
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off",
                                      "placeholder": "Given or family name, or both"}))

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class OnwardReferralForm(forms.Form):
    """An onward referral to a service from the directory."""

    need = forms.ChoiceField(choices=[("", "---------"), *Category.choices], required=False,
                             label="The need it meets")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            label="What the provider needs to know",
                            help_text="The provider sees this with the person's name, address and phone.")
    made_date = forms.DateField(label="Date", widget=DateInput())
    send = forms.BooleanField(required=False, initial=True, label="Send it to the provider now",
                              help_text="Untick to record it as proposed, to send once you have talked it over.")


class OtherOnwardForm(forms.Form):
    """A referral to a non-VCS (statutory) destination, or a signpost, written as free text."""

    kind = forms.ChoiceField(choices=[(OnwardKind.NON_VCS, OnwardKind.NON_VCS.label),
                                      (OnwardKind.SIGNPOST, OnwardKind.SIGNPOST.label)], widget=forms.RadioSelect)
    destination = forms.CharField(max_length=200, label="Where to",
                                  help_text="For example: Adult Social Care, Citizens Advice leaflet on PIP.")
    need = forms.ChoiceField(choices=[("", "---------"), *Category.choices], required=False,
                             label="The need it meets")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    made_date = forms.DateField(label="Date", widget=DateInput())


class OnwardStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OnwardStatus.choices)
    on = forms.DateField(label="Date", widget=DateInput())
    reason = forms.CharField(required=False, max_length=500, label="Reason (when declining)")


class ContinuedForm(forms.Form):
    continued = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes")


class SpotPurchaseForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    description = forms.CharField(max_length=300, label="What is bought",
                                  help_text="For example: 6 sessions of gardening therapy.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why no commissioned service fits")
    cost = forms.DecimalField(max_digits=9, decimal_places=2, min_value=0.01, label="Cost (£)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = spot_purchase_providers()


class SpotPurchaseDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("yes", "Approve"), ("no", "Refuse")], coerce=lambda v: v == "yes")
    reason = forms.CharField(required=False, max_length=500, label="Reason (when refusing)")
