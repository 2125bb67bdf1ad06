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
