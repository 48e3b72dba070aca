from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from sps.models import User


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, except that people who have never set a password (invited or imported logins) may ask for a
    link too: Django's own skips them."""

    def get_users(self, email: str):
        return User._default_manager.filter(email__iexact=email, is_active=True).exclude(email="")


class SignInForm(auth_forms.AuthenticationForm):
    """Django's, with the username's length checked before anything looks it up: a longer one can be no login,
    and the sign-in log (django-axes) keeps at most 255 characters."""

    username = auth_forms.UsernameField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
