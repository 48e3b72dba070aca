"""What a referral's letter to the GP practice says (issue 14), as far as the person allows (Referral.gp_letter):
the full letter (who saw them, what was found, what they were referred to and how it went, the star at baseline
and at the end, the codes), the codes only, or nothing beyond the referral code. The PDF (letters.pdf) and the
FHIR bundle (letters.fhir) are both made from this, so they cannot say different things."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from outcomes.models import Assessment
from outcomes.progress import baseline_of, follow_up_of
from outcomes.star import AREA_LABELS, AREAS
from providers.models import OnwardReferral
from referrals.models import REFERRED, ClinicalCode, GpLetter, Referral
from sps.categories import Category
from sps.lib.dates import today


@dataclass
class Code:
    concept_id: str
    term: str
    date: dt.date | None = None
    value: str = ""  # e.g. a star area's scores, "2 -> 4"


@dataclass
class Letter:
    referral: Referral
    shared: str  # GpLetter
    written_on: dt.date
    codes: list[Code]
    advisers: list[str] = field(default_factory=list)
    contacts: list[Assessment] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    onward: list[OnwardReferral] = field(default_factory=list)
    star: list[dict] = field(default_factory=list)  # area, baseline, end
    star_dates: tuple[dt.date | None, dt.date | None] = (None, None)

    @property
    def title(self) -> str:
        return "Social prescribing: " + ("outcome" if self.referral.status == "closed" else "progress")

    @property
    def service_name(self) -> str:
        return settings.SERVICE_NAME

    @property
    def full(self) -> bool:
        return self.shared == GpLetter.FULL


def letter_for(referral: Referral) -> Letter:
    """The letter for `referral` today, with what its patient allows. The caller has fetched the referral through
    the access rules."""
    shared = referral.gp_letter_shared
    events = list(referral.coded_events.all())
    if shared == GpLetter.REFERRAL_CODE:
        codes = [Code(e.concept_id, e.term, e.date) for e in events if e.meaning == REFERRED]
        return Letter(referral, shared, today(), codes)
    mapped = {code.meaning: code for code in
              ClinicalCode.objects.filter(Q(meaning__startswith="need:") | Q(meaning__startswith="area:"))}
    contacts = list(referral.assessments.select_related("adviser").order_by("date", "pk"))
    readings = list(referral.star_readings.all())
    baseline = baseline_of(readings)
    end = follow_up_of(readings, baseline)
    star = [{"area": AREA_LABELS[area.key], "key": area.key, "baseline": getattr(baseline, area.key, None),
             "end": getattr(end, area.key, None)} for area in AREAS] if baseline else []
    needs = sorted({need for contact in contacts for need in contact.needs} | set(referral.needs))
    codes = [Code(e.concept_id, e.term, e.date) for e in events]
    codes += [Code(mapped[f"need:{need}"].concept_id, mapped[f"need:{need}"].term)
              for need in needs if f"need:{need}" in mapped]
    codes += [Code(mapped[f"area:{row['key']}"].concept_id, mapped[f"area:{row['key']}"].term,
                   value=_scores(row)) for row in star if f"area:{row['key']}" in mapped]
    letter = Letter(referral, shared, today(), codes)
    if shared == GpLetter.FULL:
        labels = dict(Category.choices)
        letter.advisers = sorted({str(contact.adviser) for contact in contacts} |
                                 ({str(referral.adviser)} if referral.adviser_id else set()))
        letter.contacts, letter.needs = contacts, [labels.get(need, need) for need in needs]
        letter.onward = list(referral.onward_referrals.select_related("service__provider").order_by("made_date", "pk"))
        letter.star = star
        letter.star_dates = (baseline.reading_date if baseline else None, end.reading_date if end else None)
    return letter


def _scores(row: dict) -> str:
    return f"{row['baseline']} at baseline" + (f", {row['end']} at the end" if row["end"] is not None else "")
