from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.find_patient, name="find_patient"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<int:patient_pk>/refer/", views.referral_create, name="create"),
    path("<int:pk>/withdraw/", views.referral_withdraw, name="withdraw"),
    path("<int:pk>/accept/", views.referral_accept, name="accept"),
    path("<int:pk>/decline/", views.referral_decline, name="decline"),
    path("<int:pk>/assign/", views.referral_assign, name="assign"),
    path("<int:pk>/edit/", views.referral_edit, name="edit"),
    path("access-log/", views.access_log_page, name="access_log"),
]
