from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from sps.models import Practice, Role, User
from sps.services import user_invite


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


class NewUserForm(forms.ModelForm):
    """A new login has no password: its owner chooses one from the invitation sent to them."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "practice", "provider"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


ROLE_FIELDS = ("Role", {"fields": ("role", "practice", "provider")})


@admin.register(User)
class SPSUserAdmin(ManagerAdmin, UserAdmin):
    """Logins. The manager adds people (who are invited to choose their own password), changes their role and
    details, and deactivates them. Only a superuser, made on the command line, grants admin rights
    (superuser, staff, permissions) or sets a password: otherwise the manager could act as anyone, or make
    themselves all-powerful."""

    list_display = ["username", "first_name", "last_name", "role", "practice", "provider", "is_active"]
    list_filter = ["role", "is_active"]
    list_select_related = ["practice", "provider"]
    fieldsets = UserAdmin.fieldsets + (ROLE_FIELDS,)
    add_form = NewUserForm
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}), ROLE_FIELDS)
    actions = ["send_invitation"]

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": ("username",)}),
                ("Personal info", {"fields": ("first_name", "last_name", "email")}),
                ("Access", {"fields": ("is_active", "last_login", "date_joined")}), ROLE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # Once someone has a password, changing their email would let the manager reset it and sign in as them.
        locked = ("email",) if obj is not None and obj.has_usable_password() else ()
        return (*locked, "last_login", "date_joined")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history points at logins: deactivate instead

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            transaction.on_commit(lambda: user_invite(obj))

    @admin.action(description="Send an invitation to choose a password")
    def send_invitation(self, request, queryset):
        waiting = [user for user in queryset if not user.has_usable_password()]
        sent = sum(user_invite(user) for user in waiting)
        messages.info(request, f"Invitations sent: {sent}. Anyone who already has a password uses "
                               "\"Forgotten your password?\" on the sign-in page instead.")
