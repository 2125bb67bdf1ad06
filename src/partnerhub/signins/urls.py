from django.urls import path

from partnerhub.signins import views

app_name = "signins"
urlpatterns = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session_end"),
    path("sign-ins/", views.sign_ins, name="sign_ins"),
    path("sign-ins/export/", views.sign_ins_export, name="sign_ins_export"),
    path("people/<int:pk>/sign-out/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
