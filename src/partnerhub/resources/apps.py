from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.resources"
    label = "resources"
    default_auto_field = "django.db.models.BigAutoField"
