from django import forms

from referrals.forms import DateInput
from reports.models import ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(label="CSV file (UTF-8)")
    covered_until = forms.DateField(required=False, widget=DateInput(), label="Covered until",
                                    help_text="Hospital episodes only: the last date the extract covers.")
    skip_invalid = forms.BooleanField(required=False, label="Import the valid rows and set the invalid ones aside",
                                      help_text="Otherwise nothing is imported while any row is invalid.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ImportKind.EPISODES and not cleaned.get("covered_until"):
            self.add_error("covered_until", "Give the last date the hospital extract covers.")
        return cleaned
