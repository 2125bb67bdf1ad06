from django.apps import AppConfig


class Config(AppConfig):
    """Single sign-on per partner: the partner's OpenID Connect identity provider (django-allauth's
    socialaccount does the protocol), its e-mail domain, and whether that domain may still use
    passwords."""

    name = "partnerhub.sso"
    label = "sso"
    default_auto_field = "django.db.models.BigAutoField"
