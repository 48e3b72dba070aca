"""Demo-data helpers shared by the apps' demo modules."""

import datetime as dt

from referrals.models import Referral
from sps.models import User


def status_history_row(referral: Referral, on: dt.date, by: User | None, hour: int = 11):
    """A history row for a referral's move to its current status, dated when it happened, so that the
    timeline reads true for demo data written in bulk."""
    fields = {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}
    return Referral.history.model(**fields, history_date=dt.datetime.combine(on, dt.time(hour, 0), tzinfo=dt.UTC),
                                  history_type="~", history_user=by)
