from django.urls import path

from letters import views

app_name = "letters"
urlpatterns = [
    path("<int:referral_pk>/letter.pdf", views.letter, name="letter"),
    path("outbox/", views.outbox, name="outbox"),
]
