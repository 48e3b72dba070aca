from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sps.models import Practice, Role, User


class ManagerAdmin(admin.ModelAdmin):
    """The manager keeps reference data through the admin: full rights, nobody else any."""

    def _is_manager(self, request) -> bool:
        return request.user.is_active and request.user.role == Role.MANAGER

    def has_module_permission(self, request) -> bool:
        return self._is_manager(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_manager(request)

    def has_add_permission(self, request) -> bool:
        return self._is_manager(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_manager(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_manager(request)


@admin.register(Practice)
class PracticeAdmin(ManagerAdmin):
    list_display = ["ods_code", "name", "postcode", "active"]
    list_filter = ["active"]
    search_fields = ["ods_code", "name", "postcode"]
    filter_horizontal = ["advisers"]


@admin.register(User)
class SPSUserAdmin(ManagerAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "practice", "provider", "is_active"]
    list_filter = ["role", "is_active"]
    list_select_related = ["practice", "provider"]
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role", "practice", "provider")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Role", {"fields": ("role", "practice", "provider")}),)
