"""Who may use which page. Which objects they may see is decided by the selectors (`referrals_for`, ...)."""

from functools import wraps

from django.http import Http404


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
