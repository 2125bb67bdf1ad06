from django.apps import AppConfig


class Config(AppConfig):
    name = "partnerhub.alerts"
    label = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the evaluation to core.events.figures_changed; the receiver's module imports
        # services and models, which cannot be imported while apps.py itself is being loaded.
        import partnerhub.alerts.signals  # noqa: F401
