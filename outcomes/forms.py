from django import forms

from outcomes.models import AssessmentKind, ReadingKind
from outcomes.star import AREAS, SCALE
from referrals.forms import DateInput
from sps.categories import Category
from sps.idempotency import IdempotentForm
from sps.plain import PlainErrors


class HomeVisitForm(PlainErrors, IdempotentForm, forms.Form):
    """One page for a visit: the contact, the needs, the notes and, when it is one, the star reading.
    Scores are checked by the service so that every rule gives its message next to its field."""

    date = forms.DateField(widget=DateInput())
    kind = forms.ChoiceField(choices=AssessmentKind.choices, label="Contact", widget=forms.RadioSelect)
    reading_kind = forms.ChoiceField(
        choices=[("", "No star reading this time"), *ReadingKind.choices], required=False, label="Star reading",
        widget=forms.RadioSelect,
    )
    needs = forms.MultipleChoiceField(choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Needs identified",
                                      help_text="Ticked: the referral's needs so far. What you tick becomes its needs.")
    notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                            error_messages={"max_length": "Keep the notes to 5,000 characters (these have "
                                                          "%(show_value)s)."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for area in AREAS:
            self.fields[area.key] = forms.TypedChoiceField(
                choices=[(n, str(n)) for n in SCALE], coerce=int, required=False, empty_value=None,
                label=area.label, widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"Score {area.label.lower()} from 1 to 5."},
            )
            self.fields[f"note_{area.key}"] = forms.CharField(required=False, max_length=500,
                                                              label=f"Note on {area.label.lower()}")

    def area_rows(self):
        """(area, score field, note field) in the star's order, for the template."""
        return [(area, self[area.key], self[f"note_{area.key}"]) for area in AREAS]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "date": data["date"], "kind": data["kind"], "needs": data["needs"], "notes": data["notes"],
            "reading_kind": data["reading_kind"],
            "scores": {area.key: data.get(area.key) for area in AREAS},
            "area_notes": {area.key: data.get(f"note_{area.key}", "") for area in AREAS},
            "idempotency_key": data["idempotency_key"],
        }
