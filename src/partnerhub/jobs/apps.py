from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
