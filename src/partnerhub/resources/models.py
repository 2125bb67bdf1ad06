"""Entries of Resources & help: the project's own guide pages and external links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A guide page's resource id: `guide-<slug>` in English, `guide-<language>/<slug>` in another
# language (docs/guide/<language>/<slug>.md); the slash cannot occur in a page's slug.
GUIDE_PREFIX = "guide-"
# The guide's own language: every page exists in it, and it stands in for a missing translation.
GUIDE_DEFAULT_LANGUAGE = "en"


def guide_languages() -> list[str]:
    """The languages the guide may be written in: the site's languages, English first."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [GUIDE_DEFAULT_LANGUAGE, *(c for c in codes if c != GUIDE_DEFAULT_LANGUAGE)]


def guide_language(code: str | None) -> str:
    """The guide language for a language code ("pl", "pl-pl", "en-us"); English when unknown."""
    base = (code or "").split("-")[0].lower()
    return base if base in guide_languages() else GUIDE_DEFAULT_LANGUAGE


def guide_ext_id(slug: str, language: str = GUIDE_DEFAULT_LANGUAGE) -> str:
    """The resource id of guide page `slug` in `language`."""
    if language == GUIDE_DEFAULT_LANGUAGE:
        return f"{GUIDE_PREFIX}{slug}"
    return f"{GUIDE_PREFIX}{language}/{slug}"


def guide_url(slug: str, language: str = GUIDE_DEFAULT_LANGUAGE) -> str:
    """The in-app address of guide page `slug` in `language`.

    The English address carries no language: opened as it is, it shows the page in the
    reader's language (English where that page is not translated), so a help link written
    once serves everyone. A translation's address names its language, to open that one.
    """
    url = reverse("resources:guide", kwargs={"slug": slug})
    return url if language == GUIDE_DEFAULT_LANGUAGE else f"{url}?language={language}"


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
