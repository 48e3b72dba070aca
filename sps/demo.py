"""The demo's practices and staff logins (seed_demo, on the top floor, calls each app's part in turn).

The mix follows the seeds: about 35 practices and 5 advisers, each adviser linked to seven practices.
"""

import random

from django.conf import settings
from django.contrib.auth.hashers import make_password

from sps.models import Practice, Role, User

PLACES = [
    "Broom Lane", "Clifton", "Dinnington", "Kiveton Park", "Maltby", "Wath", "Swinton", "Rawmarsh", "Greasbrough",
    "Thurcroft", "Wickersley", "Brinsworth", "Treeton", "Aston", "Swallownest", "Kimberworth", "Parkgate",
    "Herringthorpe", "Canklow", "Thrybergh", "Bramley", "Whiston", "Laughton", "Anston", "Woodsetts", "Harthill",
    "Wales", "Catcliffe", "Dalton", "Blackburn", "Ravenfield", "Brampton", "Rotherham Central", "Eastwood",
    "Masbrough", "Moorgate", "Thorpe Hesley",
]
KINDS = ["Medical Centre", "Surgery", "Health Centre", "Medical Practice", "Family Practice"]
ADVISERS = [("Amira", "Hussain"), ("Daniel", "Price"), ("Joanne", "Wright"), ("Kevin", "Barker"),
            ("Sarah", "Mellor")]
GIVEN_F = ["Margaret", "Dorothy", "Joan", "Jean", "Barbara", "Patricia", "Mary", "Irene", "Sheila", "Brenda",
           "Doreen", "Maureen", "Pauline", "Christine", "Susan", "Elaine", "Janet", "Kathleen", "Eileen", "Linda"]
GIVEN_M = ["John", "William", "Peter", "Brian", "David", "Michael", "Kenneth", "Robert", "Alan", "George",
           "Derek", "Keith", "Roy", "Terence", "Dennis", "Frank", "Colin", "Stephen", "Malcolm", "Arthur"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Walker", "Wood", "Robinson", "Thompson", "White",
          "Hall", "Wright", "Green", "Shaw", "Jackson", "Hill", "Turner", "Clarke", "Ward", "Cooper", "Marsh",
          "Hague", "Booth", "Sykes", "Hirst", "Kay", "Crossley", "Hussain", "Akhtar", "Khan", "Bibi", "Kowalski"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"




def postcode_from(rng: random.Random) -> str:
    district = rng.choice(["S60", "S61", "S62", "S63", "S64", "S65", "S66", "S25", "S26"])
    return f"{district} {rng.randrange(10)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"


def create_people(rng: random.Random, *, practices: int) -> dict:
    """Practices, an adviser for every seven, a GP login per practice, the manager and the commissioner."""
    password = make_password(settings.DEMO_PASSWORD)  # one hash for every demo login: hashing is slow
    places = rng.sample(PLACES, practices)
    practice_rows = [
        Practice(ods_code=f"C87{i + 1:03d}", name=f"{place} {rng.choice(KINDS)}",
                 address=f"{rng.randint(1, 200)} High Street, {place}, Rotherham", postcode=postcode_from(rng))
        for i, place in enumerate(places)
    ]
    Practice.objects.bulk_create(practice_rows)
    advisers = User.objects.bulk_create([
        User(username=f"adviser{i + 1}", first_name=first, last_name=last, role=Role.ADVISER, password=password,
             email=f"adviser{i + 1}@sps.example.nhs.uk")
        for i, (first, last) in enumerate(ADVISERS)
    ])
    for i, practice in enumerate(practice_rows):
        practice.advisers.add(advisers[i % len(advisers)])
    gps = User.objects.bulk_create([
        User(username=f"gp.{p.ods_code.lower()}", first_name=rng.choice(GIVEN_F), last_name=rng.choice(FAMILY),
             role=Role.GP_STAFF,
             practice=p, password=password, email=f"{p.ods_code.lower()}@gp.example.nhs.uk")
        for p in practice_rows
    ])
    User.objects.bulk_create([
        User(username="manager", first_name="Helen", last_name="Ashworth", role=Role.MANAGER, password=password,
             email="manager@sps.example.nhs.uk", is_staff=True),
        User(username="commissioner", first_name="Richard", last_name="Fenwick", role=Role.COMMISSIONER,
             password=password, email="commissioner@ccg.example.nhs.uk"),
    ])
    return {"practices": practice_rows, "gp_by_practice": {g.practice_id: g for g in gps}, "password": password}
