from django.urls import path

from providers import views

app_name = "providers"
urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("refer/<int:referral_pk>/to/<int:service_pk>/", views.onward_create, name="onward_create"),
    path("refer/<int:referral_pk>/other/", views.onward_create_other, name="onward_create_other"),
    path("onward/<int:pk>/status/", views.onward_status, name="onward_status"),
    path("onward/<int:pk>/continued/", views.onward_continued, name="onward_continued"),
    path("inbox/", views.inbox, name="inbox"),
    path("spot-purchases/", views.spot_purchase_list, name="spot_purchases"),
    path("spot-purchases/new/<int:referral_pk>/", views.spot_purchase_create, name="spot_purchase_create"),
    path("spot-purchases/<int:pk>/decide/", views.spot_purchase_decide, name="spot_purchase_decide"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
