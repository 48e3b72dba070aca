from django import forms

from referrals.forms import DateInput
from reports.imports.run import COVERED_FROM, COVERED_KINDS, HANDLERS, NO_ROWS_SET_ASIDE
from reports.models import ImportKind
from sps.lib.dates import today
from sps.models import Practice, Role, User
from sps.periods import PeriodForm
from sps.plain import PlainErrors


class ImportForm(PlainErrors, forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(label="CSV file (UTF-8)")
    covered_until = forms.DateField(required=False, widget=DateInput(), label="Covered until",
                                    help_text="Hospital episodes (the service's and the comparison people's) "
                                              "only: the last date the extract covers.")
    skip_invalid = forms.BooleanField(required=False, label="Import the valid rows and set the invalid ones aside",
                                      help_text="Otherwise nothing is imported while any row is invalid.")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if cleaned.get("skip_invalid") and kind in HANDLERS and not HANDLERS[kind].shows_changes:
            self.add_error("skip_invalid", NO_ROWS_SET_ASIDE)
        covered = cleaned.get("covered_until")
        if cleaned.get("kind") in COVERED_KINDS and not covered:
            self.add_error("covered_until", "Give the last date the hospital extract covers.")
        elif covered and not COVERED_FROM <= covered <= today():
            # The import refuses it too; saying so here spares uploading the file first.
            self.add_error("covered_until", f"Give a date between {COVERED_FROM:%d/%m/%Y} and today.")
        return cleaned


class ReportForm(PeriodForm):
    """Which report, the period, a practice, and the return-on-investment options with their defaults."""

    report = forms.ChoiceField(choices=[("process", "Process measures"), ("wellbeing", "Wellbeing outcomes"),
                                        ("episodes", "Hospital episodes"), ("roi", "Costs and return on investment"),
                                        ("impact", "Impact against a matched comparison group")],
                               initial="process")
    practice = forms.ModelChoiceField(queryset=Practice.objects.order_by("name"), required=False,
                                      to_field_name="ods_code", empty_label="All practices")
    data_until = forms.DateField(required=False, widget=DateInput(), label="Hospital data until",
                                 help_text="Default: the latest extract imported.")
    persistence = forms.FloatField(required=False, min_value=0, max_value=1, initial=0.5,
                                   help_text="Share of the first year's benefit kept in later years.")
    discount_rate = forms.FloatField(required=False, min_value=0, max_value=1, initial=0.035)
    programme_cost = forms.FloatField(required=False, min_value=0, label="Programme cost (£)",
                                      help_text="Default: costs and approved spot purchases in the period.")

    def chosen_period(self) -> str:
        """The period key chosen (fyYYYY, a quarter, or custom), or the form's default."""
        return self.cleaned_data["period"] if self.is_bound and self.is_valid() else self.fields["period"].initial

    def report_arguments(self) -> tuple[str, dict]:
        start, end = self.dates()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        name = data.get("report") or "process"
        arguments = {"start": start, "end": end,
                     "practice": data["practice"].ods_code if data.get("practice") else None}
        if name in ("episodes", "roi", "impact"):
            arguments["data_until"] = data.get("data_until")
        if name in ("roi", "impact"):
            arguments["programme_cost_override"] = data.get("programme_cost")
            for option in ("persistence", "discount_rate"):
                if data.get(option) is not None:
                    arguments[option] = data[option]
        if name == "impact":
            arguments["explain"] = True  # what the page says besides the figures, and the disclosure needs
        return name, arguments


class CommissionerReportForm(ReportForm):
    """The commissioner's choice: whole financial years and their quarters only (evaluation.md, "Commissioner
    view"), so that two overlapping periods cannot be subtracted to single a person out. For the same reason the
    hospital data always run to the latest extract: two "data until" dates a day apart would differ by the people
    referred on one day."""

    NO_CUSTOM_DATES = "Choose a financial year or a quarter: the commissioner's reports do not take custom dates."

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for name in ("start", "end", "data_until"):
            del self.fields[name]
        period = self.fields["period"]
        period.choices = [(key, label) for key, label in period.choices if key != "custom"]
        period.error_messages["invalid_choice"] = self.NO_CUSTOM_DATES


def report_form_for(user: User, data=None) -> ReportForm:
    """The report form as this user may fill it in: custom dates for the manager, not for the commissioner."""
    return (CommissionerReportForm if user.role == Role.COMMISSIONER else ReportForm)(data)
