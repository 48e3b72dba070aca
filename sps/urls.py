from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sps import two_factor, views
from sps.forms import PasswordResetForm, SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(form_class=SignInForm), name="login"),
    path("accounts/two-factor/", two_factor.two_factor, name="two_factor"),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("casework.urls")),
    path("referrals/", include("referrals.urls")),
    path("providers/", include("providers.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("reports/", include("reports.urls")),
    path("letters/", include("letters.urls")),
    path("openreferral/", include("providers.api_urls")),
]
