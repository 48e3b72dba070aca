"""Everything held about a person, for a subject access request (UK GDPR article 15; issue 14): their record, their
consent and its history, each referral with its visits, star readings, onward referrals, spot purchases, codes and
letters to their practice, their hospital episodes, and who has looked at their record. As JSON, and as the same
sections in a readable PDF. Read in a fixed number of queries, however much is held."""


from django.db import models
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from letters.models import OutgoingLetter
from outcomes.models import Assessment, StarReading
from providers.models import OnwardReferral, SpotPurchase
from referrals.models import AccessEvent, CodedEvent, Patient, Referral
from reports.models import HospitalEpisode

# What is not about the person: our own bookkeeping.
LEFT_OUT = {"idempotency_key", "version", "oruk_id"}


def subject_access(patient: Patient) -> dict:
    referrals = list(Referral.objects.filter(patient=patient).select_related("practice", "adviser", "referred_by")
                     .order_by("referral_date", "pk"))
    by_referral = {
        "visits": _grouped(Assessment.objects.filter(referral__patient=patient)),
        "star_readings": _grouped(StarReading.objects.filter(referral__patient=patient)),
        "onward_referrals": _grouped(OnwardReferral.objects.filter(referral__patient=patient)),
        "spot_purchases": _grouped(SpotPurchase.objects.filter(referral__patient=patient)),
        "codes_for_the_gp_record": _grouped(CodedEvent.objects.filter(referral__patient=patient)),
        "letters_to_the_gp_practice": _grouped(OutgoingLetter.objects.filter(referral__patient=patient)),
    }
    return {
        "about": "Everything the Social Prescribing Service holds about this person.",
        "person": _row(patient, {"practice": str(patient.practice)}),
        "consent_history": [_row(record, {"history_user": _name(record.history_user)}) for record in
                            patient.history.select_related("history_user").order_by("history_date", "history_id")],
        "referrals": [{**_row(referral, {"practice": str(referral.practice), "adviser": _name(referral.adviser),
                                         "referred_by": _name(referral.referred_by)}),
                       **{name: rows.get(referral.pk, []) for name, rows in by_referral.items()}}
                      for referral in referrals],
        "hospital_episodes": [_row(episode) for episode in
                              HospitalEpisode.objects.filter(patient=patient).order_by("start_date", "episode_type")],
        "who_has_seen_the_record": [
            {"when": event.at, "who": _name(event.user), "what": f"{event.get_action_display()}: "
                                                                               f"{event.what}"}
            for event in AccessEvent.objects.filter(patient_id=patient.pk).select_related("user").order_by("at")],
    }


def _grouped(queryset) -> dict[int, list[dict]]:
    rows: dict[int, list[dict]] = {}
    for obj in queryset.select_related(*_pointers(queryset.model)).order_by("pk"):
        rows.setdefault(obj.referral_id, []).append(_row(obj, _names_of(obj)))
    return rows


def _pointers(model) -> list[str]:
    return [field.name for field in model._meta.concrete_fields
            if isinstance(field, models.ForeignKey) and field.name not in ("referral", "patient")]


def _names_of(obj) -> dict:
    """Who and what a row points at, by name rather than by our ids (fetched with the row: see _pointers)."""
    return {name: _name(getattr(obj, name)) for name in _pointers(type(obj))}


def _row(obj, extra: dict | None = None) -> dict:
    """Every stored field but our bookkeeping; a pointer as its id unless `extra` names it."""
    values = {field.name: getattr(obj, field.attname) for field in obj._meta.concrete_fields
              if not field.primary_key and field.name not in LEFT_OUT}
    return {**values, **(extra or {})}


def _name(obj) -> str | None:
    return str(obj) if obj is not None else None


def as_html(value) -> str:
    """The export as nested tables for the readable PDF; every value escaped."""
    if isinstance(value, dict):
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>",
                                ((key.replace("_", " ").capitalize(), mark_safe(as_html(item)))
                                 for key, item in value.items()))
        return format_html("<table>{}</table>", rows)
    if isinstance(value, list):
        return format_html_join("", "<div class=\"entry\">{}</div>", ((mark_safe(as_html(item)),)
                                                                      for item in value)) if value else "None"
    return escape("" if value is None else value)
