import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from referrals.models import AccessAction, ClosureReason, Patient, Referral, Source, Status
from sps.categories import Category
from sps.lib.dates import today
from sps.lib.nhs_number import normalise_nhs_number
from sps.lib.postcode import normalise_postcode
from sps.models import User
from sps.selectors import advisers
from sps.validators import validate_nhs_number


class DateInput(forms.DateInput):
    """The browser's own date picker; it submits YYYY-MM-DD, which DATE_INPUT_FORMATS accepts."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value: dt.date | None, what: str) -> dt.date | None:
    if value and value > today():
        raise ValidationError(f"The {what} cannot be in the future.")
    return value


class NhsNumberField(forms.CharField):
    """Accepts '943 476 5919' or '943-476-5919'; cleans to ten digits after the Modulus 11 check."""

    default_validators = [validate_nhs_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "NHS number")
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalise_nhs_number(super().to_python(value))


class FindPatientForm(forms.Form):
    nhs_number = NhsNumberField(help_text="Ten digits, spaces allowed, e.g. 943 476 5919.")


class PatientForm(forms.ModelForm):
    nhs_number = NhsNumberField()

    class Meta:
        model = Patient
        fields = ["nhs_number", "given_name", "family_name", "date_of_birth", "sex", "ethnicity", "address",
                  "postcode", "phone", "long_term_conditions", "is_carer"]
        widgets = {"date_of_birth": DateInput(), "address": forms.Textarea(attrs={"rows": 2}),
                   "long_term_conditions": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"long_term_conditions": "For example: COPD, heart failure, diabetes."}

    def clean_date_of_birth(self):
        born = _not_in_future(self.cleaned_data["date_of_birth"], "date of birth")
        if born and born.year < 1900:
            raise ValidationError("Check the year: the date of birth is before 1900.")
        return born

    def clean_postcode(self):
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise ValidationError(f"{self.cleaned_data['postcode']} is not a UK postcode. "
                                  "Use ZZ99 3VZ for no fixed abode.")
        return postcode

    def validate_unique(self):
        # The service says where a duplicate NHS number is registered; the generic message would not.
        pass


class ReferralForm(forms.ModelForm):
    needs = forms.MultipleChoiceField(
        choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=True,
        help_text="Tick every area where the patient needs support.",
    )
    consent_referral = forms.BooleanField(
        label="The patient agrees to be referred to the Social Prescribing Service",
        error_messages={"required": "The patient must agree to the referral before it is sent."},
    )
    consent_share = forms.BooleanField(
        label="The patient agrees that their details may be shared with the services they are referred on to",
        required=False,
    )

    class Meta:
        model = Referral
        fields = ["reason", "needs", "needs_detail", "source", "mdt_date", "risk_score", "urgency"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "needs_detail": forms.Textarea(attrs={"rows": 2}),
            "mdt_date": DateInput(),
            "risk_score": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }
        help_texts = {"risk_score": "0-100 from the risk-stratification tool, if you have it."}

    def clean_mdt_date(self):
        return _not_in_future(self.cleaned_data.get("mdt_date"), "MDT meeting date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") == Source.MDT and not cleaned.get("mdt_date"):
            self.add_error("mdt_date", "Give the date of the MDT meeting that made the referral.")
        return cleaned


class DeclineForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is the referral declined?",
                             help_text="The referring practice will see this.")


class AssignForm(forms.Form):
    adviser = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="Choose an adviser")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adviser"].queryset = advisers()


STATUS_FILTER_CHOICES = [("", "All statuses"), ("open", "Open")] + list(Status.choices)


class SearchForm(forms.Form):
    """A search by name or NHS number: posted, never put in a URL, where proxies and server logs would keep it."""

    q = forms.CharField(required=False, max_length=100, label="Name or NHS number",
                        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}))


class ReferralFilterForm(forms.Form):
    """The list filters (nothing that identifies a person); an invalid value is ignored rather than failing
    the page."""

    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    practice = forms.ModelChoiceField(queryset=None, required=False, empty_label="All practices")
    adviser = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any adviser")
    unassigned = forms.BooleanField(required=False, label="Unassigned only")

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        self.fields["adviser"].queryset = advisers()
        for name, field in self.fields.items():
            css = "form-check-input" if name == "unassigned" else "form-select"
            field.widget.attrs["class"] = css

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "practice_id": data["practice"].pk if data["practice"] else None,
            "adviser_id": data["adviser"].pk if data["adviser"] else None,
            "unassigned": data["unassigned"],
        }


class CloseForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *ClosureReason.choices])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    closed_date = forms.DateField(label="Date", widget=DateInput())


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it reopened?")


class ReferralEditForm(forms.ModelForm):
    """The adviser's or manager's edit of the reason and needs, guarded by the version it was read at."""

    needs = forms.MultipleChoiceField(choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Referral
        fields = ["reason", "needs", "needs_detail", "urgency", "risk_score"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3}), "needs_detail": forms.Textarea(attrs={"rows": 2})}


class AccessLogFilterForm(forms.Form):
    """Who, what and when (nothing identifying: the patient is chosen by a posted NHS number)."""

    user = forms.ModelChoiceField(queryset=User.objects.order_by("username"), required=False, empty_label="Anyone")
    action = forms.ChoiceField(choices=[("", "Any action"), *AccessAction.choices], required=False)
    start = forms.DateField(required=False, label="From", widget=DateInput())
    end = forms.DateField(required=False, label="To", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"user_id": data["user"].pk if data["user"] else None, "action": data["action"],
                "start": data["start"], "end": data["end"]}
