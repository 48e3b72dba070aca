from django.contrib import admin

from providers.models import Provider
from sps.admin import ManagerAdmin


@admin.register(Provider)
class ProviderAdmin(ManagerAdmin):
    list_display = ["code", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
