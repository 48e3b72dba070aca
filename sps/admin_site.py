from django.contrib import admin

from sps.models import Role


class SPSAdminSite(admin.AdminSite):
    """The admin is for the service manager only (reference data), whatever a login's staff flag says."""

    site_header = "Social Prescribing Service administration"
    site_title = "SPS admin"

    def has_permission(self, request) -> bool:
        return request.user.is_active and getattr(request.user, "role", None) == Role.MANAGER
