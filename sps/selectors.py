from django.db.models import QuerySet

from sps.models import Practice, Role, User


def advisers() -> QuerySet[User]:
    return User.objects.filter(role=Role.ADVISER, is_active=True).order_by("last_name", "first_name")


def practices_for(user: User) -> QuerySet[Practice]:
    """Practices whose referrals `user` may filter by: the manager all, an adviser their linked ones."""
    if user.role == Role.MANAGER:
        return Practice.objects.order_by("name")
    if user.role == Role.ADVISER:
        return user.linked_practices.order_by("name")
    if user.role == Role.GP_STAFF and user.practice_id:
        return Practice.objects.filter(pk=user.practice_id)
    return Practice.objects.none()
