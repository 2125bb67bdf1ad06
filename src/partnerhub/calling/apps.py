from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.calling"
    label = "calling"
    default_auto_field = "django.db.models.BigAutoField"
