"""The same form posted twice makes one record (issue 13, "Nothing lost when things fail"): a double click, a
resubmission after a timeout or a browser's retry must not make a second referral, assessment or onward referral.

Each creating form carries a hidden key, a fresh uuid4 each time the form is shown; the record it makes keeps the
key under a unique constraint. A post that finds its key already used (before it tries, or because the database
refused the second of two simultaneous posts) goes to what the first post made. A post without a key (an old page,
a test, an import) is simply not protected: the key is nullable, so imports and old rows need none."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.http import HttpRequest

ALREADY_MADE = "This form had already been sent, so nothing was made twice: here is what it made."


def idempotency_key_field() -> models.UUIDField:
    """The model field: unique, nullable, never shown or edited."""
    return models.UUIDField(null=True, blank=True, unique=True, editable=False,
                            help_text="The key of the form that made this, so that posting it twice makes one.")


class IdempotencyKeyField(forms.UUIDField):
    """A hidden field holding a new uuid4 each time an empty form is shown (a form shown again with its errors
    keeps the key it was posted with). A missing or mangled key is no key: nobody can correct a hidden field."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.HiddenInput, initial=uuid.uuid4, **kwargs)
        # Bounded like every text field; anything longer than a uuid is no uuid and so no key (to_python), which
        # Django's length validator could not check on the UUID to_python gives.
        self.max_length = 36

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return None


class IdempotentForm:
    """Mixin for a form that makes a record: its key is in `cleaned_data["idempotency_key"]`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"] = IdempotencyKeyField()


def made_earlier(request: HttpRequest, queryset: models.QuerySet, key: uuid.UUID | None):
    """The record an earlier post of this form made, fetched through `queryset` (what the person may see), with
    a message saying so; None if there is none (or no key)."""
    if key is None:
        return None
    earlier = queryset.filter(idempotency_key=key).first()
    if earlier is not None:
        messages.info(request, ALREADY_MADE)
    return earlier


def create_once(request: HttpRequest, queryset: models.QuerySet, key: uuid.UUID | None, create):
    """(record, made now): `create()`'s record, or the one an earlier post with the same key made. The service's
    ValidationError is raised for the form to show, unless it was refusing a second post of the same form."""
    if (earlier := made_earlier(request, queryset, key)) is not None:
        return earlier, False
    try:
        return create(), True
    except (ValidationError, IntegrityError):
        # Posted twice at the same moment: the unique key (or the service's own check, waiting on the first post's
        # lock) let only one through; this one goes to what the other made.
        if (earlier := made_earlier(request, queryset, key)) is not None:
            return earlier, False
        if key is not None and queryset.model._default_manager.filter(idempotency_key=key).exists():
            raise ValidationError("This form was already sent. Open it again to make another.") from None
        raise
