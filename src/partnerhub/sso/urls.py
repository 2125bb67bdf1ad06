from django.urls import path

from partnerhub.sso import views

app_name = "sso"
urlpatterns = [
    path("", views.settings_page, name="settings"),
]
