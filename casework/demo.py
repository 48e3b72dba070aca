"""A realistic, reproducible demo borough like Rotherham (seed_demo), seeded from the top floor: each app
contributes its own part, in the order they build on each other."""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from outcomes.demo import create_coded_events, create_star_readings
from providers.demo import create_onward_referrals, create_provider_login
from referrals.demo import create_referrals
from reports.demo import create_comparison_extract, create_hospital_episodes
from sps.demo import create_people
from sps.lib.dates import today as local_today
from sps.models import User


@dataclass
class DemoSummary:
    practices: int = 0
    users: int = 0
    patients: int = 0
    referrals: int = 0
    onward_referrals: int = 0
    star_readings: int = 0
    episodes: int = 0
    comparison_people: int = 0


@transaction.atomic
def seed_demo(*, seed: int = 2012, referrals: int = 3600, practices: int = 35,
              today: dt.date | None = None) -> DemoSummary:
    """Create the demo borough. The same seed and `today` give the same data."""
    rng = random.Random(seed)
    today = today or local_today()
    people = create_people(rng, practices=practices)
    summary = DemoSummary(practices=len(people["practices"]))
    summary.referrals = summary.patients = create_referrals(rng, people, count=referrals, today=today)
    summary.star_readings = create_star_readings(rng, today=today)
    create_coded_events()
    summary.onward_referrals = create_onward_referrals(rng, start=today - dt.timedelta(days=1095), today=today)
    summary.episodes = create_hospital_episodes(rng, today=today)
    summary.comparison_people = create_comparison_extract(rng)
    create_provider_login(password=people["password"])
    summary.users = User.objects.count()
    return summary
