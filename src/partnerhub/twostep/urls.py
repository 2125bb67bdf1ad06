from django.urls import path

from partnerhub.twostep import views

app_name = "twostep"
urlpatterns = [
    path("settings/", views.security, name="security"),
    path("people/<int:pk>/two-step/reset/", views.reset, name="reset"),
]
