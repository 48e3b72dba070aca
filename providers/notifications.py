from django.urls import reverse

from providers.models import OnwardReferral, SpotPurchase
from sps.models import Role, User
from sps.notify import absolute_url, send


def onward_referral_sent(onward: OnwardReferral) -> None:
    """The provider is told of a new onward referral (no patient details: they sign in to see them)."""
    provider = onward.service.provider
    staff = User.objects.filter(role=Role.PROVIDER_STAFF, provider=provider, is_active=True)
    send(to=[provider.email, *staff.values_list("email", flat=True)],
         subject=f"New referral to {onward.service.name}",
         lines=[f"The Social Prescribing Service has referred someone to {onward.service.name}.",
                f"Sign in to see their details and accept or decline the referral: "
                f"{absolute_url(reverse('providers:inbox'))}"])


def onward_referral_decided(onward: OnwardReferral) -> None:
    """The adviser is told of the provider's decision."""
    adviser = onward.referral.adviser or onward.made_by
    send(to=[adviser.email] if adviser else [],
         subject=f"{onward.service.provider.name} has {onward.get_status_display().lower()} a referral",
         lines=[f"{onward.service.provider.name} has {onward.get_status_display().lower()} the referral to "
                f"{onward.service.name} (onward referral {onward.pk}).",
                f"See it: {absolute_url(reverse('casework:referral', args=[onward.referral_id]))}"])


def onward_referral_withdrawn(onward: OnwardReferral) -> None:
    """The provider is told that a referral they had is withdrawn, so that nobody contacts the person (no patient
    details: the inbox shows which)."""
    provider = onward.service.provider
    staff = User.objects.filter(role=Role.PROVIDER_STAFF, provider=provider, is_active=True)
    sent = onward.sent_date or onward.made_date
    send(to=[provider.email, *staff.values_list("email", flat=True)],
         subject=f"A referral to {onward.service.name} is withdrawn",
         lines=[f"The Social Prescribing Service has withdrawn the referral to {onward.service.name} sent on "
                f"{sent:%d/%m/%Y} (onward referral {onward.pk}): please do not contact the person about it.",
                f"See it: {absolute_url(reverse('providers:inbox'))}"])


def spot_purchase_requested(purchase: SpotPurchase) -> None:
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).values_list("email", flat=True)
    send(to=managers, subject="A spot purchase is waiting for your decision",
         lines=[f"{purchase.requested_by} asks to spend £{purchase.cost:,.2f} with {purchase.provider}.",
                f"Decide: {absolute_url(reverse('providers:spot_purchases'))}"])


def spot_purchase_decided(purchase: SpotPurchase) -> None:
    send(to=[purchase.requested_by.email],
         subject=f"Spot purchase {purchase.get_status_display().lower()}",
         lines=[f"Your request to spend £{purchase.cost:,.2f} with {purchase.provider} was "
                f"{purchase.get_status_display().lower()}.",
                f"See it: {absolute_url(reverse('casework:referral', args=[purchase.referral_id]))}"])


def spot_purchase_withdrawn(purchase: SpotPurchase) -> None:
    """The managers are told that a spot purchase waiting for them is withdrawn: there is nothing to decide."""
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).values_list("email", flat=True)
    send(to=managers, subject="A spot purchase is withdrawn",
         lines=[f"{purchase.decided_by} has withdrawn the request to spend £{purchase.cost:,.2f} with "
                f"{purchase.provider}, asked on {purchase.requested_date:%d/%m/%Y}: the referral was closed.",
                f"See them: {absolute_url(reverse('providers:spot_purchases'))}"])
