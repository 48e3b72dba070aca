"""The comparison extract (evaluation.md section 5, formats.md): pseudonymised people the service never saw, each
known only by a pseudo id, and (reports/imports/episodes.py) their hospital episodes. Nobody sees one of them
individually: an import of them shows counts only, never a row's changes, and its errors never quote a pseudo id."""

from referrals.models import Sex
from reports.imports import fields as f
from reports.imports.base import Cells, Handler, field_changes, upsert
from reports.imports.kinds import Item, ods_code
from reports.imports.reader import Row
from reports.models import ComparisonPerson
from sps.lib.dates import today


class ComparisonHandler(Handler):
    kind = "comparison"
    columns = {"pseudo_id": True, "year_of_birth": True, "sex": True, "practice_ods_code": False,
               "risk_score": False}
    about = ("The commissioner's pseudonymised comparison extract: one row per person never referred, with no NHS "
             "number and no name, for the impact report's matched comparison (evaluation.md section 5). Nobody sees "
             "one of them individually.")
    key = ("pseudo_id",)
    notes = {
        "pseudo_id": "The person's pseudo id in the extract: 1 to 64 letters, digits, - or _.",
        "year_of_birth": "The year they were born, e.g. 1948.",
        "sex": f"One of {', '.join(Sex.values)} (F female, M male, X other, U not known).",
        "practice_ods_code": "Their GP practice's ODS code, when the extract gives it.",
        "risk_score": "Their risk score, a whole number from 0 to 100, when the extract gives it.",
    }
    example = [
        {"pseudo_id": "C-000417", "year_of_birth": "1948", "sex": "F", "practice_ods_code": "C88001",
         "risk_score": "58"},
        {"pseudo_id": "C-000418", "year_of_birth": "1939", "sex": "M", "practice_ods_code": "", "risk_score": ""},
    ]
    chunk_size = 5000
    shows_changes = False

    def clean(self, row: Row) -> Item:
        c = Cells(row)
        key = c(f.pseudo_id, "pseudo_id")
        values = {"year_of_birth": c(f.integer, "year_of_birth", low=1900, high=today().year, required=True),
                  "sex": c(f.choice, "sex", Sex.values),
                  "practice_ods_code": c.optional(ods_code, "practice_ods_code", cleared=""),
                  "risk_score": c.optional(f.integer, "risk_score", low=0, high=100)}
        c.done()
        return Item(row.line, (key,), values, {})

    def write(self, items):
        diff = {}
        counts, _, outcome = upsert(ComparisonPerson, ((i.key, i.values) for i in items), key_fields=("pseudo_id",),
                                    user=self.user, history=False, stamp={"batch": self.batch}, diff=diff)
        self.record_changes(items, outcome, field_changes(ComparisonPerson, diff))
        return counts, []
