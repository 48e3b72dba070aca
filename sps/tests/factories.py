import factory

from sps.models import Practice, Role, User


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    ods_code = factory.Sequence(lambda n: f"B{80000 + n:05d}")  # personas use C87001, C87002
    name = factory.Sequence(lambda n: f"Practice {n} Medical Centre")
    address = "1 High Street, Rotherham"
    postcode = "S60 2HX"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nhs.uk")
    role = Role.MANAGER
    password = factory.django.Password("correct horse battery")


class GPFactory(UserFactory):
    role = Role.GP_STAFF
    practice = factory.SubFactory(PracticeFactory)


class AdviserFactory(UserFactory):
    role = Role.ADVISER
