from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.tags"
    label = "tags"
    default_auto_field = "django.db.models.BigAutoField"
