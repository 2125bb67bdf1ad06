from django.urls import path

from partnerhub.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/open/", views.open_resource, name="open"),
    path("guide/<slug:slug>/", views.guide, name="guide"),
]
