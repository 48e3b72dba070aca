from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from sps.models import User
from sps.notify import absolute_url, send


def save_checked(obj: models.Model, *, by: User | None) -> None:
    """full_clean, then save, with `by` recorded in history (also outside a request, e.g. in commands)."""
    obj.full_clean()
    obj._history_user = by
    obj.save()


def user_invite(user: User) -> bool:
    """Email `user` a one-time link to set their password: new logins (made in the admin or imported) have
    none, so nobody ever chooses or knows another person's password. The link stops working once used (Django's
    password-reset token changes with the password) or after PASSWORD_RESET_TIMEOUT."""
    if not user.is_active or not user.email:
        return False
    link = absolute_url(reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                                  default_token_generator.make_token(user)]))
    return bool(send(to=[user.email], subject="You are invited to the Social Prescribing Service", lines=[
        f"An account has been made for you as {user.get_role_display().lower()}, with the username "
        f"{user.username}.",
        f"Choose your password here (the link works once, within {_link_days()} days): {link}",
        "If you did not expect this, tell the service manager.",
    ]))


def users_invite(usernames: list[str]) -> int:
    """Invite each of these logins (after an import has committed)."""
    return sum(user_invite(user) for user in User.objects.filter(username__in=usernames))


def _link_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))
