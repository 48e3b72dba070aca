from decimal import Decimal

from django.db.models import QuerySet

from reports.models import DEFAULT_UNIT_COSTS, ImportBatch, ImportRun, ReferralTarget, UnitCost
from sps.models import User


def import_history() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("imported_by").order_by("-imported_at", "-pk")


def import_runs_of(user: User) -> QuerySet[ImportRun]:
    """The uploads `user` has checked or imported (kept a day): nobody else's, not even another manager's."""
    return ImportRun.objects.filter(requested_by=user)


def import_runs_under_way(user: User) -> QuerySet[ImportRun]:
    return import_runs_of(user).filter(status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING])


def unit_costs_for(financial_year: int) -> dict[str, Decimal]:
    """£ per measure for a financial year: the manager's figures where set, the defaults (evaluation.md) where not."""
    costs = {measure: Decimal(amount) for measure, amount in DEFAULT_UNIT_COSTS.items()}
    costs.update(UnitCost.objects.filter(financial_year=financial_year).values_list("measure", "amount"))
    return costs


def monthly_targets() -> dict[int, int]:
    """Referrals a month aimed for, by financial year."""
    return dict(ReferralTarget.objects.values_list("financial_year", "monthly_referrals"))
