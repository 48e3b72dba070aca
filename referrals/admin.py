from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from referrals.models import Patient
from sps.admin import ManagerAdmin


@admin.register(Patient)
class PatientAdmin(ManagerAdmin, SimpleHistoryAdmin):
    """For the manager's corrections, such as moving a patient's registration to another practice."""

    list_display = ["nhs_number", "family_name", "given_name", "date_of_birth", "practice"]
    list_select_related = ["practice"]
    search_fields = ["nhs_number", "family_name"]
    list_filter = ["practice"]
