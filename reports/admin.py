from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import ImportBatch, ProgrammeCost, ReferralTarget, UnitCost
from sps.admin import ManagerAdmin


@admin.register(UnitCost)
class UnitCostAdmin(ManagerAdmin, SimpleHistoryAdmin):
    """Unit costs per financial year; a year without its own figures uses evaluation.md's defaults."""

    list_display = ["financial_year", "measure", "amount"]
    list_filter = ["financial_year", "measure"]


@admin.register(ProgrammeCost)
class ProgrammeCostAdmin(ManagerAdmin):
    list_display = ["date", "description", "amount", "batch"]
    date_hierarchy = "date"
    search_fields = ["description"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ManagerAdmin):
    list_display = ["imported_at", "kind", "file_name", "imported_by", "created", "updated", "unchanged", "ignored",
                    "rejected", "covered_until"]
    list_filter = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReferralTarget)
class ReferralTargetAdmin(ManagerAdmin, SimpleHistoryAdmin):
    list_display = ["financial_year", "monthly_referrals"]
