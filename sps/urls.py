from django.contrib import admin
from django.urls import include, path

from sps import two_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/two-factor/", two_factor.two_factor, name="two_factor"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("casework.urls")),
    path("referrals/", include("referrals.urls")),
    path("providers/", include("providers.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("reports/", include("reports.urls")),
]
