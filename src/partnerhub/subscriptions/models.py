"""Subscriptions and trials (items), their license lines, orders, invoices and assignments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.core.choices import Product


class ItemState(models.TextChoices):
    """States of subscriptions and trials (docs/reference/dataset.md#kinds)."""

    PROVISIONING = "provisioning", _("Ready to set up")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    ENDED = "ended", _("Ended")
    CONVERTED = "converted", _("Converted")


SUBSCRIPTION_STATES = {"provisioning", "active", "suspended", "cancelled"}
TRIAL_STATES = {"active", "ended", "converted"}


class Item(models.Model):
    """A subscription or a trial, one table: analytics treat both alike (docs/reference/rules.md).

    Subscription and trial ids share one namespace here; the loader refuses a collision.
    """

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="items"
    )
    is_trial = models.BooleanField(default=False)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    auto_renew = models.BooleanField(_("auto-renew"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=ItemState.choices)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="converted_from"
    )

    class Meta:
        verbose_name = _("subscription or trial")
        verbose_name_plural = _("subscriptions and trials")
        indexes = [
            models.Index(fields=["customer", "is_trial"]),
            models.Index(fields=["end", "state"]),
        ]

    def __str__(self) -> str:
        return self.ext_id


class ItemLine(models.Model):
    """The licenses of one product on an item."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(max_length=32, choices=Product.choices)
    licenses = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "product"], name="uniq_item_product")
        ]
        indexes = [models.Index(fields=["product", "item"])]


class OrderAction(models.TextChoices):
    NEW = "new", _("New")
    CHANGE = "change", _("Change")
    RENEWAL = "renewal", _("Renewal")
    CANCEL = "cancel", _("Cancel")


class Order(models.Model):
    """One entry of a subscription's order history."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="orders")
    date = models.DateField(_("date"))
    action = models.CharField(_("action"), max_length=16, choices=OrderAction.choices)
    lines = models.JSONField(default=list, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")

    class Meta:
        ordering = ["date", "ext_id"]


class InvoiceStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    OPEN = "open", _("Open")
    OVERDUE = "overdue", _("Overdue")


class Invoice(models.Model):
    """An invoice of a subscription."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="invoices")
    date = models.DateField(_("date"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default="open")

    class Meta:
        ordering = ["date", "ext_id"]


class Assignment(models.Model):
    """A license of a product on an item assigned to a customer user from `from_date` to `to_date`.

    Append-only history: unassigning sets `to_date`; a new assignment is a new row.
    """

    user = models.ForeignKey(
        "customers.CustomerUser", on_delete=models.CASCADE, related_name="assignments"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    product = models.CharField(max_length=32, choices=Product.choices)
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item", "product", "from_date"], name="uniq_assignment"
            )
        ]
        indexes = [models.Index(fields=["item", "product", "from_date"])]


class ItemChange(models.Model):
    """A write changed this item's dates, state, lines or assignments: one row of the ledger that
    the analytics snapshot, a layer above, catches up from (`subscriptions.changes`).

    Append-only; the snapshot deletes the rows it has caught up with. No foreign key: a row only
    names an item to recompute, and an item deleted since simply has nothing left to recompute.
    """

    item_id = models.BigIntegerField()
