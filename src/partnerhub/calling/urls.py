"""Calling engagement analytics pages, mounted at /analytics/calling/."""

from django.urls import path

from partnerhub.calling import views

app_name = "calling"
urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("refresh/", views.refresh, name="refresh"),
]
