"""Form messages in plain English that name the field, in place of Django's defaults, and a length limit on every
free-text field (issue 12). Every form a person fills in takes `PlainErrors` first among its bases."""

from django import forms
from django.core.validators import MaxLengthValidator

# Free text is kept within sensible bounds (issue 12: a 45,000-character reason was accepted). A form's text field
# with no limit of its own (in `PlainErrors.max_lengths` or from its model) gets this one.
TEXT_LIMIT = 2000


def _noun(label: str) -> str:
    """'Given name' -> 'the given name'; 'NHS number' keeps its capitals."""
    label = str(label).rstrip("?:. ")
    keep = len(label) > 1 and label[1].isupper()
    return "the " + (label if keep else label[:1].lower() + label[1:])


def _django_default(field: forms.Field, code: str) -> str | None:
    messages = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages.get(code)


def _plain_messages(field: forms.Field, noun: str) -> dict[str, str]:
    """Each of Django's default messages for `field`, in plain English naming the field."""
    said = noun[:1].upper() + noun[1:]
    if isinstance(field, forms.MultipleChoiceField):
        required = f"Choose at least one of {noun}."
    elif isinstance(field, forms.BooleanField):
        required = f"Tick {noun}."
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        required = f"Choose {noun}."
    else:
        required = f"Enter {noun}."
    messages = {"required": required, "invalid_choice": f"Choose {noun} from the list.",
                "invalid_list": f"Choose {noun} from the list.",
                "invalid_pk_value": f"Choose {noun} from the list."}
    if isinstance(field, forms.CharField) and field.max_length:
        messages["max_length"] = (f"{said} must be {field.max_length:,} characters or fewer: "
                                  "you entered %(show_value)s.")
    if isinstance(field, forms.DateField):
        messages["invalid"] = f"Enter {noun} as a real date, like 14/03/1938."
    if isinstance(field, forms.DecimalField):
        messages.update(_plain_number_messages(field, noun, said))
    elif isinstance(field, forms.IntegerField):
        low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
        whole = f"a whole number from {low} to {high}" if low is not None and high is not None else "a whole number"
        messages.update({"invalid": f"Enter {noun} as {whole}.", "min_value": f"Enter {noun} as {whole}.",
                         "max_value": f"Enter {noun} as {whole}."})
    return messages


def _plain_number_messages(field: forms.DecimalField, noun: str, said: str) -> dict[str, str]:
    """'Ensure that there are no more than 7 digits before the decimal point' (issue 12), said plainly."""
    too_large = f"{said} is too large."
    if field.max_digits is not None and field.decimal_places is not None:
        too_large = f"{said} must be less than {10 ** (field.max_digits - field.decimal_places):,}."
    return {"invalid": f"Enter {noun} as a number, like 12.50.", "max_digits": too_large,
            "max_whole_digits": too_large, "min_value": f"{said} must be %(limit_value)s or more.",
            "max_value": f"{said} must be %(limit_value)s or less.",
            "max_decimal_places": f"Enter {noun} with at most %(max)s digits after the decimal point."}


class PlainErrors:
    """Messages in plain English that name the field, in place of Django's defaults (issue 12: 'Ensure that there
    are no more than...', 'This field is required.' leaked through); and a length limit on every free-text field.
    A message a form sets itself is kept. `nouns` names a field where 'the <label>' reads badly; `max_lengths`
    gives a text field its own limit."""

    nouns: dict[str, str] = {}
    max_lengths: dict[str, int] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
                _limit(field, self.max_lengths.get(name) or field.max_length or TEXT_LIMIT)
            if isinstance(field.widget, forms.Textarea):
                # A browser cuts a pasted text to `maxlength` without a word; the message says what is too long.
                field.widget.attrs.pop("maxlength", None)
            plain = _plain_messages(field, self.nouns.get(name) or _noun(field.label or name))
            field.error_messages = {**field.error_messages, **{
                code: message for code, message in plain.items()
                if field.error_messages.get(code) in (None, _django_default(field, code))}}


class _Count(int):
    def __str__(self) -> str:
        return f"{int(self):,}"


class _TextLimit(MaxLengthValidator):
    """Django's, with the count written 45,000 in the message."""

    def clean(self, x: str) -> int:
        return _Count(len(x))


def _limit(field: forms.CharField, max_length: int) -> None:
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.max_length = max_length
    field.validators.append(_TextLimit(max_length))
