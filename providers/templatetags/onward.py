from django import template

from providers.models import OnwardStatus
from providers.services import statuses_allowed
from sps.lib.percent import format_percentage

register = template.Library()


@register.filter
def next_statuses_for(onward, user) -> list[tuple[str, str]]:
    """(value, label) of the statuses this user may move the onward referral to now."""
    return [(value, OnwardStatus(value).label) for value in statuses_allowed(onward, user)]


@register.filter
def percent(value: float | None) -> str:
    """72.5 -> "73%", nothing for a rate with no denominator."""
    return format_percentage(value)
