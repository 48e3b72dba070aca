from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("visit/<int:referral_pk>/", views.home_visit, name="home_visit"),
]
