from django.apps import AppConfig


class Config(AppConfig):
    """Two-step sign-in: django-allauth's mfa app wired into Partner Hub's sign-in, the partner's
    requirement, and a full administrator's reset of a person's second step."""

    name = "partnerhub.twostep"
    label = "twostep"
    default_auto_field = "django.db.models.BigAutoField"
