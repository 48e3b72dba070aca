from django.db import models

from sps.models import User


def save_checked(obj: models.Model, *, by: User | None) -> None:
    """full_clean, then save, with `by` recorded in history (also outside a request, e.g. in commands)."""
    obj.full_clean()
    obj._history_user = by
    obj.save()
