from django.contrib import admin

from sps.models import Role


class SPSAdminSite(admin.AdminSite):
    """The admin is for the service manager only (reference data), whatever a login's staff flag says, and
    only after the second step of signing in."""

    site_header = "Social Prescribing Service administration"
    site_title = "SPS admin"

    def has_permission(self, request) -> bool:
        return (request.user.is_active and getattr(request.user, "role", None) == Role.MANAGER
                and request.user.is_verified())  # the second factor given (django-otp)
