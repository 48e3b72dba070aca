"""Who may use which page. Which objects they may see is decided by the selectors (`referrals_for`, ...)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect


def role_required(*roles: str):
    """Only these roles may use the view; anyone else gets 404, as if the page did not exist (domain.md)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def refused(request, rule, obj, *, action: str, back: HttpResponse) -> HttpResponse | None:
    """`back`, with the reason as a message, if `rule` (a ReferralRule or the like) refuses `action` on `obj`
    now: a page opened before someone else moved the referral on offers nothing that would then fail."""
    try:
        rule.check(obj, request.user, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    return None


def fetch_if_allowed(request, objects, pk: int, rule, *, action: str, back_to: str = "casework:referral"):
    """(the object, None) when `rule` allows `action` on it now; (it, a redirect to `back_to` with the reason) when
    not. The object comes from `objects`, the user's access-rule selection: 404 if it is not there."""
    obj = get_object_or_404(objects, pk=pk)
    return obj, refused(request, rule, obj, action=action, back=redirect(back_to, pk=obj.pk))
