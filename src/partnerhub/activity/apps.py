from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.activity"
    label = "activity"
    default_auto_field = "django.db.models.BigAutoField"
