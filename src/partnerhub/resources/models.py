"""Entries of Resources & help: the project's own guide pages and external links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ResourceType(models.TextChoices):
    ARTICLE = "article", _("Article")
    VIDEO = "video", _("Video")
    TRAINING = "training", _("Training")
    DOCUMENT = "document", _("Document")
    TOOL = "tool", _("Tool")


class Resource(models.Model):
    """One resource; `featured` and `quick_link` are curated by the operator."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("URL"), max_length=500)
    type = models.CharField(_("type"), max_length=16, choices=ResourceType.choices)
    products = models.JSONField(_("products"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    language = models.CharField(_("language"), max_length=8, blank=True, default="en")
    featured = models.BooleanField(_("featured"), default=False)
    quick_link = models.BooleanField(_("quick link"), default=False)
    # Full text of a guide page (for search); empty for external links.
    body = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ResourceClick(models.Model):
    """One opening of a resource by a partner's person; quick links follow these per partner."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="clicks")
    partner = models.ForeignKey(
        "accounts.Partner", on_delete=models.CASCADE, related_name="resource_clicks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resource click")
        verbose_name_plural = _("resource clicks")
        indexes = [models.Index(fields=["partner", "resource"])]

    def __str__(self) -> str:
        return f"{self.resource_id} by {self.user_id}"
