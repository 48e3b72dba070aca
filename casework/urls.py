from django.urls import path

from casework import views

# The paths are those these pages had before they moved here from referrals and outcomes.
app_name = "casework"
urlpatterns = [
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/caseload/", views.caseload, name="caseload"),
    path("referrals/<int:pk>/close/", views.referral_close, name="close"),
    path("referrals/<int:pk>/reopen/", views.referral_reopen, name="reopen"),
    path("outcomes/summary/<int:referral_pk>/", views.summary, name="summary"),
    path("codes/", views.clinical_codes, name="clinical_codes"),
    path("codes/<int:pk>/", views.clinical_code, name="clinical_code"),
    path("referrals/patients/<int:patient_pk>/subject-access.<str:file_format>", views.subject_access_export,
         name="subject_access"),
    path("retention/", views.retention, name="retention"),
]
