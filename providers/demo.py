"""The demo's providers, grants and onward referrals (seed_demo), in the seeds' proportions: about 23 funded
organisations delivering about 33 services from grants of about £600,000; about 1.6 onward referrals per
referral, roughly half to commissioned services, then non-VCS services, signposts and non-commissioned ones."""

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from simple_history.utils import bulk_create_with_history

from providers.models import (
    Budget,
    Grant,
    GrantDecision,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Postcode,
    Provider,
    ProviderKind,
    Service,
    SpotPurchase,
    SpotPurchaseStatus,
)
from referrals.demo import status_history_row
from referrals.models import Referral, Status
from sps.categories import Category as C
from sps.models import Role, User

# (code, name, [(service name, category, capacity, weeks)]): the funded organisations first.
FUNDED = [
    ("RVBS", "Rother Valley Befriending Scheme", [("Telephone befriending", C.BEFRIENDING, 40, 12),
                                                 ("Home visiting befriender", C.BEFRIENDING, 25, 16)]),
    ("RCAB", "Rotherham Advice Bureau", [("Benefits and debt advice", C.INFORMATION_ADVICE, 60, 8),
                                         ("Housing and energy advice", C.INFORMATION_ADVICE, 30, 6)]),
    ("ROTCT", "Rotherham Community Transport", [("Dial-a-ride to groups", C.COMMUNITY_TRANSPORT, 50, 12)]),
    ("AGEW", "Age Well Rotherham", [("Lunch clubs", C.COMMUNITY_ACTIVITY, 45, 12),
                                    ("Later life advice", C.INFORMATION_ADVICE, 30, 8)]),
    ("MALCH", "Maltby Community Hub", [("Community hub drop-in", C.COMMUNITY_HUB, 35, 12),
                                       ("Craft and chat group", C.COMMUNITY_ACTIVITY, 20, 10)]),
    ("WATHA", "Wath Active Living", [("Chair-based exercise", C.PHYSICAL_ACTIVITY, 30, 12),
                                     ("Walking for health", C.PHYSICAL_ACTIVITY, 40, 12)]),
    ("DIGN", "Dinnington Good Neighbours", [("Good neighbours", C.ENABLING, 25, 12)]),
    ("RCARE", "Rotherham Carers' Centre", [("Carers' breaks", C.CARERS_RESPITE, 20, 8),
                                           ("Carers' support group", C.CARERS_RESPITE, 25, 12)]),
    ("MEMCF", "Memory Cafe Network", [("Memory cafes", C.DEMENTIA, 30, 16)]),
    ("RDIAL", "Rotherham Dementia Action", [("Dementia support worker", C.DEMENTIA, 15, 12)]),
    ("SIGHT", "Sight and Sound Rotherham", [("Sensory loss support", C.SENSORY, 20, 10)]),
    ("ADVOC", "Speak Up Advocacy", [("Independent advocacy", C.ADVOCACY, 15, 8)]),
    ("MIND", "Rotherham Minds Matter", [("Wellbeing groups", C.MENTAL_WELLBEING, 30, 10),
                                        ("Peer support", C.MENTAL_WELLBEING, 20, 12)]),
    ("GARDN", "Growing Together Gardens", [("Therapeutic gardening", C.THERAPEUTIC, 15, 12)]),
    ("ARTS", "Arts for Wellbeing", [("Creative arts group", C.THERAPEUTIC, 15, 10)]),
    ("SWINT", "Swinton Lock Activity Centre", [("Activity centre sessions", C.COMMUNITY_ACTIVITY, 40, 12),
                                               ("Community cafe", C.COMMUNITY_HUB, 30, 12)]),
    ("KIVPK", "Kiveton Park Together", [("Social group", C.COMMUNITY_ACTIVITY, 25, 12)]),
    ("ENAB", "Enable Rotherham", [("Getting out and about", C.ENABLING, 20, 10),
                                  ("Shopping support", C.ENABLING, 15, 8)]),
    ("CHURC", "Churches Together Rotherham", [("Friendship groups", C.BEFRIENDING, 30, 12)]),
    ("FIT50", "Fit over Fifty", [("Strength and balance", C.PHYSICAL_ACTIVITY, 25, 12)]),
    ("SHOP", "Shopmobility Rotherham", [("Mobility scooter loan", C.COMMUNITY_TRANSPORT, 20, 12)]),
    ("HANDY", "Handy Person Rotherham", [("Small repairs and adaptations", C.OTHER, 25, 4)]),
    ("ASIAN", "Rotherham Ethnic Minority Alliance", [("Community link worker", C.COMMUNITY_ACTIVITY, 20, 12),
                                                     ("Interpreting and advice", C.INFORMATION_ADVICE, 15, 8)]),
]
NOT_FUNDED = [
    ("U3A", "Rotherham U3A", [("Interest groups", C.COMMUNITY_ACTIVITY, None, 26)]),
    ("LIBR", "Library Home Service", [("Books at home", C.OTHER, None, 26)]),
    ("SALV", "Salvation Army Rotherham", [("Friendship club", C.BEFRIENDING, None, 26)]),
    ("WI", "Women's Institute groups", [("WI local groups", C.COMMUNITY_ACTIVITY, None, 26)]),
    ("BOWLS", "Rotherham Bowls Clubs", [("Bowls for all", C.PHYSICAL_ACTIVITY, None, 20)]),
    ("FOOD", "Community Food Bank", [("Food parcels", C.INFORMATION_ADVICE, None, 4)]),
    ("CRUSE", "Bereavement Support Rotherham", [("Bereavement support", C.MENTAL_WELLBEING, 20, 8)]),
    ("TRANS", "Voluntary Car Scheme", [("Volunteer drivers", C.COMMUNITY_TRANSPORT, None, 12)]),
]
STATUTORY = [
    ("RMBCASC", "Adult Social Care (RMBC)", [("Social care assessment", C.OTHER, None, None)]),
    ("FALLS", "Community Falls Service", [("Falls prevention", C.PHYSICAL_ACTIVITY, None, None)]),
    ("IAPT", "Talking Therapies", [("Talking therapies", C.MENTAL_WELLBEING, None, None)]),
    ("FIRE", "South Yorkshire Fire and Rescue", [("Home safety check", C.OTHER, None, None)]),
    ("OT", "Occupational Therapy (RMBC)", [("Equipment and adaptations", C.ENABLING, None, None)]),
]
SIGNPOSTS = ["Citizens Advice leaflet on Attendance Allowance", "Local church coffee morning",
             "Warm spaces list", "Pension Credit helpline", "Community library events", "Silver Line helpline"]
AREAS = ["Borough-wide", "Borough-wide", "Borough-wide", "Rotherham North", "Rotherham South", "Wath and Swinton",
         "Maltby and Dinnington"]
# Where each organisation meets people (made up, in the demo borough's real districts); services that come to the
# person, or are by phone, have no address.
ADDRESSES = {
    "RVBS": ("Unit 4, Dalton Business Centre, Dalton", "S65 3AA"), "RCAB": ("Imperial Buildings, Rotherham",
                                                                            "S60 1QY"),
    "ROTCT": ("Transport Depot, Canklow Road, Rotherham", "S60 2JB"), "AGEW": ("Age Well House, Herringthorpe",
                                                                               "S65 2AB"),
    "MALCH": ("Maltby Community Hub, High Street, Maltby", "S66 8AB"), "WATHA": ("Wath Leisure Centre, Wath",
                                                                                 "S63 7RL"),
    "DIGN": ("Dinnington Resource Centre, Dinnington", "S25 2AA"), "RCARE": ("Carers' Centre, Moorgate, Rotherham",
                                                                             "S60 2TH"),
    "MEMCF": ("Swinton Civic Hall, Swinton", "S64 8AE"), "RDIAL": ("Eastwood Village Centre, Rotherham", "S65 1AA"),
    "SIGHT": ("Sensory Centre, Rotherham", "S60 1AE"), "ADVOC": ("Speak Up House, Masbrough", "S61 1AA"),
    "MIND": ("Wellbeing Centre, Rawmarsh", "S62 5AA"), "GARDN": ("Community Allotments, Thrybergh", "S65 4AA"),
    "ARTS": ("Arts Centre, Parkgate", "S62 6EA"), "SWINT": ("Swinton Lock Activity Centre, Swinton", "S64 8AE"),
    "KIVPK": ("Kiveton Park Community Centre", "S26 6AA"), "ENAB": ("Enable House, Whiston", "S60 4HY"),
    "CHURC": ("Church Hall, Wickersley", "S66 1AA"), "FIT50": ("Brinsworth Sports Hall, Brinsworth", "S60 5AA"),
    "SHOP": ("Shopmobility, All Saints' Square, Rotherham", "S60 1QY"), "ASIAN": ("Eastwood Village Centre",
                                                                                  "S65 1AA"),
    "U3A": ("Bramley Village Hall, Bramley", "S66 2AA"), "SALV": ("Salvation Army Hall, Kimberworth", "S61 2AA"),
    "WI": ("Thurcroft Welfare Hall, Thurcroft", "S66 9AA"), "BOWLS": ("Clifton Park Bowling Green, Rotherham",
                                                                      "S65 2AB"),
    "FOOD": ("Community Food Bank, Greasbrough", "S61 4NA"), "CRUSE": ("Aston Library, Aston", "S26 2AA"),
    "RMBCASC": ("Riverside House, Rotherham", "S60 1AE"), "FALLS": ("Rotherham Community Health Centre", "S60 2UD"),
    "IAPT": ("Swallownest Health Centre, Swallownest", "S26 4AA"), "OT": ("Riverside House, Rotherham", "S60 1AE"),
}
AT_HOME = {"Telephone befriending", "Home visiting befriender", "Dial-a-ride to groups", "Good neighbours",
           "Dementia support worker", "Getting out and about", "Shopping support", "Small repairs and adaptations",
           "Books at home", "Volunteer drivers", "Home safety check", "Equipment and adaptations",
           "Mobility scooter loan"}
OPENING_TIMES = ["Monday to Friday, 9am to 5pm", "Tuesdays and Thursdays, 10am to 12 noon",
                 "Wednesdays, 1.30pm to 3.30pm", "Monday to Thursday, 10am to 4pm; Fridays 10am to 1pm"]
GETTING_THERE = ["Buses stop outside; free parking at the back; step-free entrance.",
                 "Ten minutes' walk from the bus station; a lift to the first floor.",
                 "On the 10 and 11 bus routes; two disabled parking bays.",
                 "Ask about the volunteer car scheme if you cannot get there."]
DEMO_POSTCODES = Path(__file__).parent / "data" / "demo_postcodes.csv"
GRANT_TOTAL = 603_000
KIND_WEIGHTS = {OnwardKind.COMMISSIONED: 49, OnwardKind.NON_COMMISSIONED: 14, OnwardKind.NON_VCS: 16,
                OnwardKind.SIGNPOST: 21}
CATEGORY_WEIGHTS = {C.COMMUNITY_ACTIVITY: 22, C.INFORMATION_ADVICE: 15, C.BEFRIENDING: 11,
                    C.COMMUNITY_TRANSPORT: 9}


def _create_providers(rng: random.Random, *, start: dt.date, today: dt.date) -> dict[str, list[Service]]:
    by_kind: dict[str, list[Service]] = {"funded": [], "not_funded": [], "statutory": []}
    for group, kind, rows in [("funded", ProviderKind.VCS, FUNDED), ("not_funded", ProviderKind.VCS, NOT_FUNDED),
                              ("statutory", ProviderKind.STATUTORY, STATUTORY)]:
        for code, name, services in rows:
            provider = Provider.objects.create(
                code=code, name=name, kind=kind, charity_number=str(rng.randint(500000, 1199999))
                if kind == ProviderKind.VCS else "", contact_name="Referrals coordinator",
                email=f"referrals@{code.lower()}.example.org.uk", phone=f"01709 {rng.randint(200000, 899999)}")
            for i, (service_name, category, capacity, weeks) in enumerate(services, start=1):
                by_kind[group].append(Service.objects.create(
                    provider=provider, code=f"{code}-{i}", name=service_name, category=category,
                    area=rng.choice(AREAS), capacity=capacity, duration_weeks=weeks,
                    description=f"{service_name} for people with long-term conditions and their carers.",
                    **_where_and_when(provider, service_name, len(by_kind[group])),
                ))
    funded_providers: dict[int, list[Service]] = {}
    for service in by_kind["funded"]:
        funded_providers.setdefault(service.provider_id, []).append(service)
    shares = [rng.uniform(0.5, 1.5) * len(s) for s in funded_providers.values()]
    grant_end = dt.date(today.year + 1 + (today.month >= 4), 3, 31)
    for n, ((provider_id, services), share) in enumerate(zip(funded_providers.items(), shares, strict=True), 1):
        amount = Decimal(round(GRANT_TOTAL * share / sum(shares), -2))
        grant = Grant.objects.create(
            ref=f"SPS-G{n:03d}", provider_id=provider_id, amount=amount,
            amount_requested=amount + Decimal(rng.choice([0, 0, 2000, 5000])),
            start_date=start, end_date=grant_end, target_referrals=int(amount / 250),
            decision=GrantDecision.AWARDED, decision_date=start - dt.timedelta(days=45),
            notes="Awarded by the funding panel.",
        )
        grant.services.set(services)
    for year in range(start.year - 1, grant_end.year):
        Budget.objects.create(name=f"Grants and spot purchases {year}/{(year + 1) % 100:02d}",
                              start_date=dt.date(year, 4, 1), end_date=dt.date(year + 1, 3, 31),
                              amount=Decimal(230_000))
    return by_kind


def _where_and_when(provider: Provider, service_name: str, n: int) -> dict:
    """A service's address, contact details and opening times (no random draws: the rest of the demo stays as it
    was)."""
    contact = {"phone": provider.phone, "email": provider.email,
               "website": f"https://www.{provider.code.lower()}.example.org.uk/"}
    if service_name in AT_HOME or provider.code not in ADDRESSES:
        return {**contact, "opening_times": "By arrangement: the service comes to the person, or rings them."}
    address, postcode = ADDRESSES[provider.code]
    return {**contact, "address": address, "postcode": postcode, "opening_times": OPENING_TIMES[n % 4],
            "how_to_get_there": GETTING_THERE[n % 4]}


def create_postcodes(path: Path = DEMO_POSTCODES) -> int:
    """The demo borough's postcode centroids, from a small file in the ONS Postcode Directory's format (made for
    the demo, approximate). A real deployment imports the ONS file (`import postcodes`, README)."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = [Postcode(postcode=row["pcds"], latitude=float(row["lat"]), longitude=float(row["long"]))
                for row in csv.DictReader(file) if float(row["lat"]) <= 90]  # 99.999999: the ONS cannot place it
    Postcode.objects.bulk_create(rows, ignore_conflicts=True)  # kept if the demo is loaded again
    return len(rows)


def _onward_status(rng: random.Random, made: dt.date, service: Service | None, today: dt.date) -> dict:
    """A plausible history for one onward referral made on `made`."""
    age = (today - made).days
    sent = made
    accepted = min(today, sent + dt.timedelta(days=rng.randint(1, 7)))
    started = min(today, accepted + dt.timedelta(days=rng.randint(3, 21)))
    weeks = (service.duration_weeks if service and service.duration_weeks else 10)
    ended = started + dt.timedelta(weeks=weeks + rng.randint(-2, 4))
    roll = rng.random()
    if age < 5:
        return {"status": OnwardStatus.SENT, "sent_date": sent}
    if roll < 0.08:
        return {"status": OnwardStatus.DECLINED, "sent_date": sent, "declined_date": accepted,
                "decline_reason": "The service is full in the person's area."}
    if roll < 0.13:
        return {"status": OnwardStatus.WITHDRAWN, "sent_date": sent, "ended_date": accepted}
    if age < 20:
        return {"status": OnwardStatus.ACCEPTED, "sent_date": sent, "accepted_date": accepted}
    if roll < 0.23:
        return {"status": OnwardStatus.DID_NOT_ATTEND, "sent_date": sent, "accepted_date": accepted,
                "ended_date": started}
    if ended >= today:
        return {"status": OnwardStatus.STARTED, "sent_date": sent, "accepted_date": accepted,
                "started_date": started}
    return {"status": OnwardStatus.COMPLETED, "sent_date": sent, "accepted_date": accepted, "started_date": started,
            "ended_date": ended, "continued_after_end": rng.random() < 0.35}


def _pick_service(rng: random.Random, services: list[Service], needs: list[str]) -> Service:
    matching = [s for s in services if s.category in needs]
    pool = matching if matching and rng.random() < 0.8 else services
    return rng.choices(pool, [CATEGORY_WEIGHTS.get(s.category, 4) for s in pool])[0]


def create_onward_referrals(rng: random.Random, *, start: dt.date, today: dt.date) -> int:
    """The directory (with its postcodes), and onward referrals for the accepted and closed referrals; an open
    accepted one becomes active."""
    create_postcodes()
    services = _create_providers(rng, start=start, today=today)
    pools = {OnwardKind.COMMISSIONED: services["funded"], OnwardKind.NON_COMMISSIONED: services["not_funded"],
             OnwardKind.NON_VCS: services["statutory"]}
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    referrals = list(Referral.objects.filter(status__in=[Status.ACCEPTED, Status.ASSESSED, Status.CLOSED],
                                             decision_date__isnull=False).select_related("adviser").order_by("pk"))
    onward, became_active = [], []
    for referral in referrals:
        first = referral.decision_date + dt.timedelta(days=rng.randint(7, 28))
        if first >= today or (referral.closed_date and first > referral.closed_date):
            continue
        for _ in range(rng.choice([1, 1, 1, 2, 2, 2, 2, 3, 3])):
            kind = rng.choices(kinds, weights)[0]
            made = min(today, first + dt.timedelta(days=rng.randint(0, 30)))
            if kind == OnwardKind.SIGNPOST:
                onward.append(OnwardReferral(referral=referral, kind=kind, destination=rng.choice(SIGNPOSTS),
                                             status=OnwardStatus.COMPLETED, made_date=made, ended_date=made,
                                             made_by=referral.adviser))
                continue
            service = _pick_service(rng, pools[kind], referral.needs)
            onward.append(OnwardReferral(referral=referral, service=service, kind=kind, need=service.category,
                                         made_date=made, made_by=referral.adviser,
                                         **_onward_status(rng, made, service, today)))
        if referral.status in (Status.ACCEPTED, Status.ASSESSED):
            referral.status = Status.ACTIVE
            became_active.append((referral, first))
    bulk_create_with_history(onward, OnwardReferral, batch_size=1000)
    Referral.objects.bulk_update([r for r, _ in became_active], ["status"], batch_size=1000)
    Referral.history.model.objects.bulk_create(
        [status_history_row(r, on, r.adviser) for r, on in became_active], batch_size=1000)
    _create_spot_purchases(rng, referrals, services["funded"] + services["not_funded"], today)
    return len(onward)


def _create_spot_purchases(rng: random.Random, referrals: list[Referral], services: list[Service],
                           today: dt.date) -> None:
    manager = User.objects.filter(role=Role.MANAGER).first()
    purchases = []
    for referral in rng.sample(referrals, min(40, len(referrals))):
        requested = min(today, referral.decision_date + dt.timedelta(days=rng.randint(10, 40)))
        approved = rng.random() < 0.85
        pending = (today - requested).days < 7
        purchases.append(SpotPurchase(
            referral=referral, provider=rng.choice(services).provider,
            description=rng.choice(["6 sessions of gardening therapy", "Taxi to a weekly group for 8 weeks",
                                    "Bus pass top-up", "Personal alarm for a year", "Swimming sessions"]),
            reason="No commissioned service covers this near where the person lives.",
            cost=Decimal(rng.choice([45, 80, 120, 150, 240, 360])), requested_by=referral.adviser,
            requested_date=requested,
            status=SpotPurchaseStatus.REQUESTED if pending else
            SpotPurchaseStatus.APPROVED if approved else SpotPurchaseStatus.REFUSED,
            decided_by=None if pending else manager,
            decided_date=None if pending else min(today, requested + dt.timedelta(days=2)),
            refusal_reason="" if pending or approved else "A commissioned befriending service has room.",
        ))
    bulk_create_with_history(purchases, SpotPurchase, batch_size=500)


def create_provider_login(*, password: str) -> User:
    """The demo's provider staff login, at Rother Valley Befriending Scheme."""
    return User.objects.create(username="provider1", first_name="Gail", last_name="Steele",
                               role=Role.PROVIDER_STAFF, provider=Provider.objects.get(code="RVBS"),
                               password=password, email="gail@rvbs.example.org.uk")
