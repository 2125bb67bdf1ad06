"""Subscriptions analytics pages (mounted at /analytics/subscriptions/)."""

from django.urls import path

from partnerhub.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.subscriptions, name="subscriptions"),
    path("export/<str:section>.<str:fmt>", views.export, name="export"),
]
