from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sps.models import Role

_HOME_BY_ROLE = {
    Role.GP_STAFF: "referrals:list",
    Role.ADVISER: "referrals:caseload",
    Role.MANAGER: "referrals:list",
    Role.PROVIDER_STAFF: "providers:inbox",
}


def home(request: HttpRequest) -> HttpResponse:
    """Each role starts on its main page; roles whose pages are still to come are told so plainly."""
    if target := _HOME_BY_ROLE.get(request.user.role):
        return redirect(target)
    return render(request, "sps/home.html", {})
