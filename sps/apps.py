from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SpsConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "sps"
    verbose_name = "Social Prescribing Service"

    def ready(self) -> None:
        from sps import db  # noqa: F401  (registers the SQLite MEDIAN aggregate on each connection)


class SPSAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "sps.admin_site.SPSAdminSite"
