from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from providers.models import Budget, Grant, Postcode, Provider, Service, SpotPurchase
from sps.admin import ManagerAdmin


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["code", "name", "category", "area", "capacity", "duration_weeks", "active"]

    def has_add_permission(self, request, obj=None):
        return request.user.role == "manager"

    has_change_permission = has_delete_permission = has_view_permission = has_add_permission


@admin.register(Provider)
class ProviderAdmin(ManagerAdmin):
    list_display = ["code", "name", "kind", "charity_number", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(ManagerAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "provider", "category", "area", "postcode", "capacity", "duration_weeks", "active"]
    list_filter = ["category", "active", "provider__kind"]
    list_select_related = ["provider"]
    search_fields = ["code", "name", "provider__name", "postcode"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a website typed without one is https
    fieldsets = [
        (None, {"fields": ["provider", "code", "name", "category", "description", "eligibility", "capacity",
                           "duration_weeks", "active"]}),
        ("Where, when and how to get in touch", {"fields": ["area", "address", "postcode", "opening_times",
                                                            "how_to_get_there", "phone", "email", "website"]}),
    ]


@admin.register(Postcode)
class PostcodeAdmin(ManagerAdmin):
    """The postcode centroids come from the `postcodes` import; here they can be looked up and a missing one
    added."""

    list_display = ["postcode", "latitude", "longitude"]
    search_fields = ["postcode"]


@admin.register(Grant)
class GrantAdmin(ManagerAdmin, SimpleHistoryAdmin):
    list_display = ["ref", "provider", "decision", "amount_requested", "amount", "start_date", "end_date",
                    "target_referrals"]
    list_filter = ["decision", "start_date"]
    list_select_related = ["provider"]
    search_fields = ["ref", "provider__name"]
    filter_horizontal = ["services"]
    fieldsets = [
        (None, {"fields": ["ref", "provider", "services", "start_date", "end_date", "target_referrals"]}),
        ("Funding panel", {"fields": ["amount_requested", "decision", "decision_date", "amount", "notes"]}),
    ]


@admin.register(Budget)
class BudgetAdmin(ManagerAdmin, SimpleHistoryAdmin):
    list_display = ["name", "start_date", "end_date", "amount"]


@admin.register(SpotPurchase)
class SpotPurchaseAdmin(ManagerAdmin, SimpleHistoryAdmin):
    list_display = ["requested_date", "provider", "description", "cost", "status"]
    list_filter = ["status"]
    list_select_related = ["provider"]
    readonly_fields = ["referral", "requested_by", "decided_by"]
