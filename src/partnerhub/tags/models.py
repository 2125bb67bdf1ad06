"""Custom tags a partner puts on its customers."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

MAX_TAGS_PER_CUSTOMER = 5
MAX_TAG_LENGTH = 25


class Tag(models.Model):
    """A tag of one partner; exists while a customer carries it (docs/reference/rules.md#tags)."""

    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=MAX_TAG_LENGTH)
    customers = models.ManyToManyField(
        "customers.Customer", through="CustomerTag", related_name="tags"
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint("partner", Lower("name"), name="uniq_tag_name_per_partner")
        ]

    def __str__(self) -> str:
        return self.name


class CustomerTag(models.Model):
    """A tag carried by a customer."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="uniq_customer_tag")
        ]
