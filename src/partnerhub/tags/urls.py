"""Tag pages: /tags/ (the tag manager) and the tag changes on customers."""

from django.urls import path

from partnerhub.tags import views

app_name = "tags"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("bulk/", views.bulk, name="bulk"),
    path("customer/<str:ext_id>/add/", views.customer_add, name="customer_add"),
    path("customer/<str:ext_id>/<int:pk>/remove/", views.customer_remove, name="customer_remove"),
]
