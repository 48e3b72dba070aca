"""Forms of the pages that compose several apps."""

from django import forms

from outcomes.star import AREA_KEYS, AREA_LABELS
from referrals.models import DECLINED, REFERRED, ClinicalCode
from sps.categories import Category
from sps.plain import PlainErrors


def code_meanings() -> list[tuple[str, str]]:
    """What a clinical code can be recorded for: the two national events, each need category, each star area."""
    return [(REFERRED, "Referred to social prescribing (recorded at the first contact)"),
            (DECLINED, "Declined social prescribing"),
            *((f"need:{value}", f"Need: {label}") for value, label in Category.choices),
            *((f"area:{key}", f"Star area: {AREA_LABELS[key]}") for key in AREA_KEYS)]


class ClinicalCodeForm(PlainErrors, forms.ModelForm):
    meaning = forms.ChoiceField(label="What it codes", choices=[("", "Choose what it codes"), *code_meanings()])
    nouns = {"meaning": "what the code is for", "concept_id": "the SNOMED CT concept id",
             "term": "the concept's description"}

    class Meta:
        model = ClinicalCode
        fields = ["meaning", "concept_id", "term"]

    def clean_concept_id(self) -> str:
        return "".join(self.cleaned_data["concept_id"].split())

    def clean_term(self) -> str:
        return self.cleaned_data["term"].strip()
