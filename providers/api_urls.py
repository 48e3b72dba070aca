from django.urls import path

from providers import api

# Open Referral UK's paths (its openapi.json): no trailing slash.
app_name = "openreferral"
urlpatterns = [
    path("", api.meta, name="meta"),
    path("services", api.services, name="services"),
    path("services/<uuid:oruk_id>", api.service, name="service"),
]
