import datetime as dt
from decimal import Decimal

import factory

from providers.models import (
    Grant,
    GrantDecision,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Provider,
    ProviderKind,
    Service,
    SpotPurchase,
    SpotPurchaseStatus,
)
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.tests.factories import AdviserFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    code = factory.Sequence(lambda n: f"PRV{n:03d}")  # the provider_staff persona's provider is RVBS
    name = factory.Sequence(lambda n: f"Provider {n} Community Trust")
    kind = ProviderKind.VCS


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"SVC{n:03d}")
    name = factory.Sequence(lambda n: f"Service {n}")
    category = "befriending"
    capacity = 10
    active = True


class GrantFactory(factory.django.DjangoModelFactory):
    """`GrantFactory(provider=p, services=[s1, s2])`: the services it covers are set after it is saved."""

    class Meta:
        model = Grant
        skip_postgeneration_save = True

    ref = factory.Sequence(lambda n: f"GR-{n:04d}")
    provider = factory.SubFactory(ProviderFactory)
    amount = Decimal(10000)
    start_date = dt.date(2026, 4, 1)
    end_date = dt.date(2027, 3, 31)
    decision = GrantDecision.AWARDED
    target_referrals = 40

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class OnwardReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnwardReferral

    referral = factory.SubFactory(ReferralFactory, status=Status.ACTIVE)
    service = factory.SubFactory(ServiceFactory)
    kind = OnwardKind.COMMISSIONED
    status = OnwardStatus.SENT
    made_date = dt.date(2026, 10, 5)
    sent_date = dt.date(2026, 10, 5)


class SpotPurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotPurchase

    referral = factory.SubFactory(ReferralFactory, status=Status.ACTIVE)
    provider = factory.SubFactory(ProviderFactory)
    description = factory.Sequence(lambda n: f"Six sessions of gardening therapy ({n})")
    reason = "No commissioned service covers gardening therapy."
    cost = Decimal("250.00")
    requested_by = factory.SubFactory(AdviserFactory)
    requested_date = dt.date(2026, 10, 10)
    status = SpotPurchaseStatus.REQUESTED
