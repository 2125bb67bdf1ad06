from django.urls import path

from partnerhub.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("<str:ext_id>/setup/", views.setup, name="setup"),
]
