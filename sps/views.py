from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from sps.models import Role

_HOME_BY_ROLE = {
    Role.GP_STAFF: "referrals:list",
    Role.ADVISER: "casework:caseload",
    Role.MANAGER: "reports:overview",
    Role.PROVIDER_STAFF: "providers:inbox",
    Role.COMMISSIONER: "reports:evaluation",
}


def home(request: HttpRequest) -> HttpResponse:
    """Each role starts on its main page."""
    return redirect(_HOME_BY_ROLE[request.user.role])
