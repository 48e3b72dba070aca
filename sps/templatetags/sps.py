from django import template
from django.utils.html import format_html

from sps.categories import Category
from sps.lib.money import format_pounds
from sps.lib.nhs_number import format_nhs_number

register = template.Library()

_STATUS_COLOURS = {
    "received": "primary", "accepted": "info", "assessed": "info", "active": "success",
    "declined": "secondary", "withdrawn": "secondary", "closed": "dark",
}


@register.simple_tag
def status_badge(referral) -> str:
    colour = _STATUS_COLOURS.get(referral.status, "secondary")
    return format_html('<span class="badge text-bg-{} status-{}">{}</span>', colour, referral.status,
                       referral.get_status_display())


@register.filter
def pounds(amount) -> str:
    return format_pounds(amount)


@register.filter
def nhs_number(value: str) -> str:
    return format_nhs_number(value)


@register.simple_tag(takes_context=True)
def nav_active(context, prefix: str) -> str:
    return "active" if context["request"].path.startswith(prefix) else ""


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def category_label(key: str) -> str:
    return dict(Category.choices).get(key, key)
