from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.find_patient, name="find_patient"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/move/", views.move_request, name="move_request"),
    path("patients/move-requests/", views.move_requests, name="move_requests"),
    path("patients/move-requests/<int:pk>/move/", views.move_patient, name="move_patient"),
    path("patients/<int:patient_pk>/refer/", views.referral_create, name="create"),
    path("<int:pk>/withdraw/", views.referral_withdraw, name="withdraw"),
    path("<int:pk>/accept/", views.referral_accept, name="accept"),
    path("<int:pk>/decline/", views.referral_decline, name="decline"),
    path("<int:pk>/assign/", views.referral_assign, name="assign"),
    path("<int:pk>/edit/", views.referral_edit, name="edit"),
    path("<int:pk>/consent/", views.patient_consent, name="consent"),
    path("<int:pk>/contact/", views.patient_contact, name="contact"),
    path("access-log/", views.access_log_page, name="access_log"),
]
