"""Customer organizations, the people managing them, and their own users and sign-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A customer organization managed by one partner."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    partner = models.ForeignKey(
        "accounts.Partner", on_delete=models.CASCADE, related_name="customers"
    )
    name = models.CharField(_("name"), max_length=200)
    created = models.DateField(_("date added"))
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    admin_email = models.EmailField(_("administrator e-mail"), blank=True, default="")
    # The partner people assigned to manage it (Partner administrators tab).
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CustomerManager", related_name="managed_customers"
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["partner", "name"]),
            models.Index(fields=["partner", "created"]),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerManager(models.Model):
    """A partner person assigned to manage a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="uniq_customer_manager")
        ]


class ExternalAdmin(models.Model):
    """A partner person who is an external administrator of a customer (of any partner)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_admins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_customers"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="uniq_external_admin")
        ]


class CustomerAdminLogin(models.Model):
    """One sign-in of one of the customer's own administrators to its admin console."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="admin_logins")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "at"], name="uniq_customer_admin_login")
        ]


class CustomerUser(models.Model):
    """A person in a customer organization (the `user` kind of the dataset)."""

    ext_id = models.CharField(_("id"), max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="users")
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")
        indexes = [models.Index(fields=["customer", "email"])]

    def __str__(self) -> str:
        return self.name or self.email


class SavedFilter(models.Model):
    """A person's named customer-list query (e.g. "Trials to follow up")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="uniq_saved_filter_name")
        ]

    def __str__(self) -> str:
        return self.name


class ExportState(models.TextChoices):
    """Where a background export of the customer list is."""

    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class CustomerExport(models.Model):
    """A large customer-list export prepared in the background; its file is under MEDIA_ROOT."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_exports"
    )
    query = models.CharField(max_length=500, blank=True, default="")
    sort = models.CharField(max_length=20, blank=True, default="")
    as_of = models.DateField()
    fmt = models.CharField(max_length=4)
    state = models.CharField(max_length=8, choices=ExportState.choices, default=ExportState.PENDING)
    rows = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.fmt}, {self.state})"


class StatusSeen(models.Model):
    """The statuses a customer last held when they were looked at (the status mask of
    customers/statuses.py): what `customer.status_changed` events compare with."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    mask = models.IntegerField()
    day = models.DateField()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.mask} on {self.day}"
