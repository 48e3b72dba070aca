from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("evaluation/", views.evaluation, name="evaluation"),
    path("overview/", views.overview, name="overview"),
    path("imports/", views.imports, name="imports"),
    path("imports/<str:token>/", views.import_run, name="import_run"),
    path("imports/<str:token>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/examples/<slug:kind>.csv", views.import_example, name="import_example"),
    path("imports/rejects/<int:batch_pk>/", views.import_rejects, name="import_rejects"),
]
