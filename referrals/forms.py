import datetime as dt
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import QueryDict

from referrals.models import AccessAction, ClosureReason, ConsentHow, GpLetter, Patient, Referral, Source, Status
from referrals.selectors import ADVISERS_OFFERED, advisers_to_offer
from sps.categories import Category
from sps.idempotency import IdempotentForm
from sps.lib.dates import today
from sps.lib.nhs_number import nhs_number_error, normalise_nhs_number
from sps.lib.postcode import normalise_postcode
from sps.models import User
from sps.phone import EXAMPLE as PHONE_EXAMPLE
from sps.phone import normalise_uk_phone
from sps.plain import PlainErrors
from sps.selectors import advisers


class DateInput(forms.DateInput):
    """The browser's own date picker; it submits YYYY-MM-DD, which DATE_INPUT_FORMATS accepts."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value: dt.date | None, what: str) -> dt.date | None:
    if value and value > today():
        raise ValidationError(f"The {what} cannot be in the future.")
    return value


NHS_NUMBER_AS = "Enter the NHS number as 10 digits, like 943 476 5919"


def nhs_number_message(digits: str) -> str | None:
    """What is wrong with a typed NHS number, in words a receptionist can act on (sps.lib says it for logs)."""
    if not nhs_number_error(digits):
        return None
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
        return f"{NHS_NUMBER_AS}."
    if len(set(digits)) == 1:
        return f"{NHS_NUMBER_AS}: {digits} is not a real NHS number (all its digits are the same)."
    return f"{NHS_NUMBER_AS}: this one's check digit is wrong, so a digit is probably mistyped."


def validate_nhs_number_plainly(value: str) -> None:
    if message := nhs_number_message(value):
        raise ValidationError(message, code="nhs_number")


class NhsNumberField(forms.CharField):
    """Accepts '943 476 5919' or '943-476-5919'; cleans to ten digits after the Modulus 11 check."""

    default_validators = [validate_nhs_number_plainly]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "NHS number")
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("error_messages", {"max_length": f"{NHS_NUMBER_AS}."})
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalise_nhs_number(super().to_python(value))


class UkPhoneField(forms.CharField):
    """A UK phone number, kept in the national format ('01709 123456'); see sps.phone."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
        kwargs.setdefault("help_text", f"A UK landline or mobile, like {PHONE_EXAMPLE}.")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        if (phone := normalise_uk_phone(value)) is None:
            raise ValidationError(f"Enter the phone number as a UK number, like {PHONE_EXAMPLE}.", code="phone")
        return phone


class FindPatientForm(PlainErrors, forms.Form):
    nhs_number = NhsNumberField(help_text="Ten digits, spaces allowed, e.g. 943 476 5919.")


ADDRESS_LIMIT = 500


def _clean_postcode(typed: str) -> str:
    if (postcode := normalise_postcode(typed)) is None:
        raise ValidationError(f"Enter the postcode as a UK postcode, like S65 2AB: {typed} is not a UK postcode. "
                              "Use ZZ99 3VZ for no fixed abode.")
    return postcode


def address_field() -> forms.CharField:
    """Required, though the model allows a blank (older and imported records): the adviser visits the person
    there (issue 12)."""
    return forms.CharField(label="Address", max_length=ADDRESS_LIMIT, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="Where the adviser will visit: house number and street, town.",
                           error_messages={"required": "Enter the patient's address: the adviser visits them there."})


class PatientForm(PlainErrors, forms.ModelForm):
    nhs_number = NhsNumberField()
    address = address_field()
    phone = UkPhoneField(required=False)
    max_lengths = {"long_term_conditions": 1000}

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
        return _clean_postcode(self.cleaned_data["postcode"])

    def validate_unique(self):
        # The service says where a duplicate NHS number is registered; the generic message would not.
        pass


def risk_score_field() -> forms.IntegerField:
    return forms.IntegerField(label="Risk-stratification score", required=False, min_value=0, max_value=100,
                              help_text="0-100 from the risk-stratification tool, if you have it.")


class ReferralForm(PlainErrors, IdempotentForm, forms.ModelForm):
    risk_score = risk_score_field()
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
        }

    def clean_mdt_date(self):
        return _not_in_future(self.cleaned_data.get("mdt_date"), "MDT meeting date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") == Source.MDT and not cleaned.get("mdt_date"):
            self.add_error("mdt_date", "Give the date of the MDT meeting that made the referral.")
        return cleaned


class WithdrawForm(PlainErrors, forms.Form):
    reason = forms.CharField(label="Reason for withdrawing", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="The adviser and the service manager will see this.")
    nouns = {"reason": "the reason for withdrawing the referral"}
    max_lengths = {"reason": 1000}


class MoveRequestForm(PlainErrors, forms.Form):
    reason = forms.CharField(label="Why should the patient be moved to your practice?",
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="For example: registered with us on 01/10/2026, moved from Clifton.")
    nouns = {"reason": "why the patient should be moved to your practice"}
    max_lengths = {"reason": 500}


class DeclineForm(PlainErrors, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why is the referral declined?",
                             help_text="The referring practice will see this.")
    person_declined = forms.BooleanField(
        required=False, label="The person declined social prescribing",
        help_text="Recorded for their GP record as “Social prescribing declined”.")
    nouns = {"reason": "the reason for declining the referral"}
    max_lengths = {"reason": 1000}


class AdviserWithCaseloadField(forms.ModelChoiceField):
    def label_from_instance(self, adviser: User) -> str:
        count = getattr(adviser, "open_referrals", None)
        if count is None:
            return str(adviser)
        return f"{adviser} ({count} open referral{'' if count == 1 else 's'})"

    def validate_no_null_characters(self, value):
        # A NUL in the id is just not a choice: said in this field's words, not as Django's "Null characters are
        # not allowed."
        if "\x00" in str(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class AssignForm(forms.Form):
    """The manager's choice of adviser. It offers a short list, `offered` (advisers_to_offer: each with their open
    referrals, so the manager can share the work out, issue 12), but accepts any active adviser: nationally there
    are 3,300, too many to list on every view of a referral (issue 13), and the list may be a page old."""

    adviser = AdviserWithCaseloadField(
        queryset=User.objects.none(), empty_label="Choose an adviser",
        error_messages={"required": "Choose an adviser to assign.",
                        "invalid_choice": "Choose an adviser to assign from the list: the one sent is not an "
                                          "active adviser."})

    def __init__(self, *args, offered: Iterable[User] = (), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["adviser"]
        field.queryset = advisers()  # what a choice is checked against, by its id: one query, on a post only
        field.choices = [("", field.empty_label), *((a.pk, field.label_from_instance(a)) for a in offered)]
        self.others = [a for a in offered if a.pk != self.initial.get("adviser")]  # offered besides the current one
        self.at_most = ADVISERS_OFFERED
        field.widget.attrs["aria-describedby"] = "assign-offered"  # the page's note of which advisers are offered


UNSEARCHABLE = ProhibitNullCharactersValidator("The adviser's name had a character that cannot be searched for: "
                                               "type it again.")


class FindAdviserForm(PlainErrors, forms.Form):
    """The manager's search for an adviser to assign to, by name: a GET parameter of the referral page (an
    adviser's name is not patient data). Invalid, it is shown with its error and the usual list is offered."""

    find_adviser = forms.CharField(label="Find an adviser", required=False, max_length=100,
                                   help_text="Part of their first or last name, or both, like \"ann smi\".")
    nouns = {"find_adviser": "the adviser's name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["find_adviser"]
        field.widget.input_type = "search"
        field.widget.attrs["autocomplete"] = "off"
        # In place of Django's own words, "Null characters are not allowed."
        field.validators = [UNSEARCHABLE if isinstance(v, ProhibitNullCharactersValidator) else v
                            for v in field.validators]

    def name(self) -> str:
        return self.cleaned_data["find_adviser"] if self.is_valid() else ""


def assign_forms(query: QueryDict, referral: Referral) -> tuple[FindAdviserForm, AssignForm]:
    """The referral page's search for an adviser (from its query string) and the assign form offering the
    advisers it finds, or the lightest caseloads, and the referral's current adviser, already chosen."""
    find = FindAdviserForm(query)
    offered = advisers_to_offer(name=find.name(), current_id=referral.adviser_id)
    return find, AssignForm(initial={"adviser": referral.adviser_id}, offered=offered)


STATUS_FILTER_CHOICES = [("", "All statuses"), ("open", "Open")] + list(Status.choices)


class SearchForm(forms.Form):
    """A search by name or NHS number: posted, never put in a URL, where proxies and server logs would keep it."""

    q = forms.CharField(required=False, max_length=100, label="Name or NHS number",
                        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}))


class ReferralFilterForm(forms.Form):
    """The list filters (nothing that identifies a person); an invalid value is ignored rather than failing
    the page. Practice and adviser are typed, not chosen from a list: nationally there are 7,600 practices and
    3,300 advisers, and a list of them all on every page took about a second to send (issue 13)."""

    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    practice = forms.CharField(required=False, max_length=100, help_text="ODS code or part of the name")
    adviser = forms.CharField(required=False, max_length=100, help_text="Part of the name")
    unassigned = forms.BooleanField(required=False, label="Unassigned only")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["unassigned"].widget.attrs["class"] = "form-check-input"
        for name in ("practice", "adviser"):
            self.fields[name].widget.attrs.update({"class": "form-control", "type": "search",
                                                   "aria-describedby": f"id_{name}_helptext"})

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data[key] for key in ("status", "practice", "adviser", "unassigned")}


class CloseForm(PlainErrors, forms.Form):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *ClosureReason.choices])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    closed_date = forms.DateField(label="Date", widget=DateInput())
    nouns = {"reason": "the reason for closing", "closed_date": "the date it was closed"}
    max_lengths = {"note": 1000}


class ReopenForm(PlainErrors, forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it reopened?")
    nouns = {"reason": "the reason for reopening it"}
    max_lengths = {"reason": 1000}


class ReferralEditForm(PlainErrors, forms.ModelForm):
    """The adviser's or manager's edit of the reason and needs, guarded by the version it was read at."""

    needs = forms.MultipleChoiceField(choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False)
    risk_score = risk_score_field()
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


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda value: value == "yes",
                                  widget=forms.RadioSelect)


class ConsentForm(PlainErrors, forms.Form):
    """What the person agreed to, how and when; who recorded it is whoever saves it."""

    consent_referral = _yes_no("Does the person agree to be referred to the Social Prescribing Service?")
    consent_share = _yes_no("Does the person agree that their details may be shared with the services they are "
                            "referred on to?")
    gp_letter = forms.ChoiceField(label="What may their GP practice be sent about this referral?",
                                  choices=GpLetter.choices, widget=forms.RadioSelect,
                                  help_text="The referral code is recorded in their GP record whatever they choose.")
    how = forms.ChoiceField(label="How did they say so?", choices=ConsentHow.choices, widget=forms.RadioSelect)
    given_on = forms.DateField(label="When did they say so?", widget=DateInput())
    nouns = {"consent_referral": "whether the person agrees to the referral",
             "consent_share": "whether the person agrees to their details being shared",
             "gp_letter": "what their GP practice may be sent",
             "how": "how the person gave consent", "given_on": "the date consent was given"}

    def clean_given_on(self):
        return _not_in_future(self.cleaned_data["given_on"], "date consent was given")

    @staticmethod
    def initial_for(referral: Referral) -> dict:
        """What is recorded now, for the questions only: how and when are asked afresh each time."""
        patient = referral.patient
        initial = {"given_on": today(), "gp_letter": referral.gp_letter}
        if patient.consent_how:
            initial |= {"consent_referral": "yes" if patient.consent_referral else "no",
                        "consent_share": "yes" if patient.consent_share else "no"}
        return initial


class ContactForm(PlainErrors, forms.ModelForm):
    """The adviser's or manager's correction of the person's address, postcode and phone."""

    address = address_field()
    phone = UkPhoneField(required=False)

    class Meta:
        model = Patient
        fields = ["address", "postcode", "phone"]

    def clean_postcode(self):
        return _clean_postcode(self.cleaned_data["postcode"])
