"""Enumerations shared by several apps (products, roles)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.TextChoices):
    """A product a subscription or trial line can carry."""

    MEETINGS = "meetings", _("Webex Meetings")
    CALLING = "calling", _("Webex Calling")
    MESSAGING = "messaging", _("Webex Messaging")
    REAL_TIME_TRANSLATION = "real_time_translation", _("Real-Time Translations")
    CONTACT_CENTER = "contact_center", _("Contact Center")


class Role(models.TextChoices):
    """The role a person of a partner organization holds (docs/reference/rules.md#role-table)."""

    PARTNER_FULL_ADMIN = "partner_full_admin", _("Partner full administrator")
    SALES_FULL_ADMIN = "sales_full_admin", _("Sales full administrator")
    SALES_ADMIN = "sales_admin", _("Sales administrator")
    PARTNER_READONLY_ADMIN = "partner_readonly_admin", _("Partner read-only administrator")
    USER = "user", _("User")
