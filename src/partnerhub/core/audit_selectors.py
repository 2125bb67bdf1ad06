"""Reads of the audit trail, scoped to what the person may see and redacted to what their partner
may read (docs/reference/rules.md#auditing, #tags).

A customer of partner B can have an external administrator from partner A, so B's trail of that
customer holds entries A recorded (A's tags put on it, A's helpdesk cases about it). Such an entry
is shown to B, but only as B may see it: A's tag names replaced by a neutral label, A's person
named by their partner only, and anything else of A (e-mails of its people, ids of its objects)
left out. The redaction is structural: an entry's `partner` is the partner whose private values
its before/after carry (see `audit_record`), and `AUDIT_FIELDS` says, per action, which keys carry
what. A key or an action missing from the table counts as private: new actions fail closed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.policy import customer_scope, is_partner_admin, sees_all_customers
from partnerhub.core.models import AuditEvent

# Readable names of the actions the apps record; unknown codes are shown as they are.
ACTION_LABELS: dict[str, Any] = {
    "tag.assign": _("Tag added"),
    "tag.remove": _("Tag removed"),
    "tag.set": _("Tags replaced"),
    "tag.rename": _("Tag renamed"),
    "tag.delete": _("Tag deleted"),
    "customer.create": _("Customer created"),
    "customer.admin.add": _("Partner administrator assigned"),
    "customer.admin.remove": _("Partner administrator removed"),
    "customer_user.add": _("User added"),
    "license.assign": _("Licenses assigned"),
    "license.unassign": _("Licenses unassigned"),
    "trial.start": _("Trial started"),
    "trial.extend": _("Trial extended"),
    "trial.end": _("Trial ended"),
    "trial.convert": _("Trial converted"),
    "order.new": _("New subscription ordered"),
    "order.change": _("Subscription changed"),
    "order.renewal": _("Subscription renewed"),
    "order.cancel": _("Subscription cancelled"),
    "subscription.setup": _("Order set up"),
    "helpdesk.case_open": _("Helpdesk case opened"),
    "helpdesk.case_comment": _("Helpdesk case commented"),
    "helpdesk.case_status": _("Helpdesk case status changed"),
    "helpdesk.case_assign": _("Helpdesk case assigned"),
    "user.role": _("Role changed"),
    "user.invite": _("Person invited"),
    "user.sign_out_everywhere": _("Signed out everywhere"),
    "person.activate": _("Person reactivated"),
    "person.deactivate": _("Person deactivated"),
    "password.set": _("Password set"),
    "org.setup": _("Organization set up"),
    "dataset.load": _("Dataset loaded"),
    "resources.sync_guide": _("User guide indexed"),
    "resources.load_curated": _("Curated resources loaded"),
    "saved_filter.save": _("Filter saved"),
    "saved_filter.delete": _("Filter deleted"),
    "webhook.create": _("Webhook added"),
    "webhook.update": _("Webhook changed"),
    "webhook.delete": _("Webhook deleted"),
    "webhook.rotate_secret": _("Webhook secret rotated"),
}


class Carries(StrEnum):
    """What one before/after value of an audit entry carries, for a reader of another partner."""

    # About the customer itself (its items, orders, users, licenses): whoever may see the entry
    # has the customer in scope and may read it.
    SHARED = "shared"
    # Names of the recording partner's tags (a name or a list of names): shown as a neutral label.
    TAGS = "tags"
    # Anything else of the recording partner (its people's e-mails, its object ids, case text,
    # whether its tag was deleted): left out.
    PRIVATE = "private"


def _shared(*keys: str) -> dict[str, Carries]:
    return dict.fromkeys(keys, Carries.SHARED)


# The audited values of a subscription or trial (subscriptions.services.item_snapshot).
_ITEM = _shared("id", "customer_id", "is_trial", "state", "start", "end", "auto_renew", "lines")
_LICENSE = _shared("item", "product", "licenses", "assigned", "users", "overage")

# Per action, what each before/after key carries (from the audit_record calls of every service).
# Unlisted keys and actions are PRIVATE. Actions without a customer (tag.rename, tag.delete,
# user.*, saved_filter.*, org.setup, dataset.load…) are only ever seen by their own partner.
AUDIT_FIELDS: dict[str, dict[str, Carries]] = {
    # tags.services: the actor's partner's tags ("tag_deleted" tells about its other customers).
    "tag.assign": {"tags": Carries.TAGS},
    "tag.remove": {"tags": Carries.TAGS},
    "tag.set": {"tags": Carries.TAGS},
    "tag.rename": {"name": Carries.TAGS},
    "tag.delete": {"name": Carries.TAGS},
    # trials.services: the new customer's own fields; "managers" are the partner's people.
    "customer.create": _shared("id", "name", "admin_email", "country", "created"),
    "trial.start": {**_ITEM, **_shared("days")},
    "trial.extend": _ITEM,
    "trial.end": _ITEM,
    # subscriptions.services
    "trial.convert": {**_ITEM, **_shared("converted_to", "assignments_moved")},
    **{
        f"order.{a}": {**_ITEM, **_shared("order_id")}
        for a in ("new", "change", "renewal", "cancel")
    },
    "subscription.setup": {**_ITEM, **_shared("organization_name", "admin_email")},
    # orgs.services: the customer's own users and licenses.
    "customer_user.add": _shared("id", "email", "name", "active"),
    "license.assign": _LICENSE,
    "license.unassign": _LICENSE,
    # customer.admin.* ("partner_admins": the partner's people) and helpdesk.* (the partner's
    # case: number, subject, text, assignee…) are wholly private: no entry here.
}
# Objects of the customer itself, whose ids every reader of the entry may see; the ids of other
# objects (tags, people, cases, filters…) belong to the recording partner.
SHARED_OBJECT_TYPES = frozenset({"customer", "trial", "subscription", "license", "customer_user"})


def audit_scope(user: Any) -> QuerySet[AuditEvent]:
    """Events the person may see: their partner's trail (all-customer roles) and the trail of every
    customer in their scope (show them through `audit_entries`)."""
    if not is_partner_admin(user):
        return AuditEvent.objects.none()
    visible = Q(customer__in=customer_scope(user)) & (
        Q(partner_id=user.partner_id)
        | Q(actor__partner_id=user.partner_id)
        | Q(customer__partner_id=user.partner_id)
    )
    if sees_all_customers(user):
        visible |= Q(partner_id=user.partner_id)
    return (
        AuditEvent.objects.filter(visible)
        .select_related("actor__partner", "customer")
        .order_by("-at", "-id")
    )


def customer_audit(*, user: Any, customer: Any) -> QuerySet[AuditEvent]:
    """The audit trail of one customer (already known to be in scope; show it through
    `audit_entries`)."""
    visible = (
        Q(partner_id=user.partner_id)
        | Q(actor__partner_id=user.partner_id)
        | Q(customer__partner_id=user.partner_id)
    )
    return (
        AuditEvent.objects.filter(customer=customer)
        .filter(visible)
        .select_related("actor__partner", "customer")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as a given person's partner may see it."""

    id: int
    at: dt.datetime
    action: str
    label: str
    actor: str | None  # the e-mail of an own person, else who they are without naming them
    actor_name: str | None  # the same for reading on a page: an own person's name
    object_type: str
    object_id: str  # "" when the object is another partner's
    customer_id: str | None
    on_behalf: bool
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return _text(self.before)

    @property
    def after_text(self) -> str:
        return _text(self.after)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _redact_values(values: Any, fields: Mapping[str, Carries]) -> Any:
    """The before/after values of another partner's entry, as the reader may see them."""
    if values is None:
        return None
    if not isinstance(values, Mapping):
        return None  # a shape no caller records: nothing to tell it is safe
    tag_label = gettext("(another partner's tag)")
    out: dict[str, Any] = {}
    for key, value in values.items():
        carries = fields.get(key, Carries.PRIVATE)
        if carries is Carries.SHARED:
            out[key] = value
        elif carries is Carries.TAGS:
            out[key] = [tag_label for _name in value] if isinstance(value, list) else tag_label
    return out or None


def _actor(event: AuditEvent, viewer_partner_id: int | None) -> tuple[str | None, str | None]:
    """(API form, page form) of who acted: own people in full, anyone else by their partner."""
    actor = event.actor
    if actor is None:
        return None, None
    if actor.partner_id is not None and actor.partner_id == viewer_partner_id:
        return actor.email, actor.display_name
    partner = actor.partner
    if partner is not None:
        who = gettext("a person of %(partner)s") % {"partner": partner.name}
    elif event.partner_id is not None and event.partner_id == viewer_partner_id:
        # The helpdesk team working on the reader's own case: named, as on the case page.
        return actor.email, actor.display_name
    elif getattr(actor, "is_helpdesk", False):
        who = gettext("the Partner Helpdesk team")
    else:
        who = gettext("the platform operator")
    return who, who


def audit_entries(*, viewer: Any, events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """Each event as the viewer's partner may see it: another partner's tag names replaced by a
    neutral label, another partner's people named by their partner only, its other values and
    object ids left out. No queries of its own: `audit_scope` / `customer_audit` join what it
    reads (the actor, the actor's partner, the customer)."""
    viewer_partner_id = getattr(viewer, "partner_id", None)
    entries = []
    for event in events:
        own = viewer_partner_id is not None and event.partner_id == viewer_partner_id
        before, after = event.before, event.after
        object_id = event.object_id
        if not own:
            fields = AUDIT_FIELDS.get(event.action, {})
            before = _redact_values(event.before, fields)
            after = _redact_values(event.after, fields)
            if event.object_type not in SHARED_OBJECT_TYPES:
                object_id = ""
        actor, actor_name = _actor(event, viewer_partner_id)
        customer = event.customer
        entries.append(
            AuditEntry(
                id=event.pk,
                at=event.at,
                action=event.action,
                label=str(ACTION_LABELS.get(event.action, event.action)),
                actor=actor,
                actor_name=actor_name,
                object_type=event.object_type,
                object_id=object_id,
                customer_id=customer.ext_id if customer is not None else None,
                on_behalf=event.on_behalf,
                before=before,
                after=after,
            )
        )
    return entries


AUDIT_SORTS = ("-at", "at")


def audit_search(
    *,
    user: Any,
    person_id: int | None = None,
    customer: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    sort: str = "-at",
) -> QuerySet[AuditEvent]:
    """The events of `audit_scope` narrowed by the audit page's filters (show them through
    `audit_entries`): a person of the viewer's own partner, a customer (its id, or part of its
    name), an action, UTC days from `since` to `until` inclusive; newest or oldest first."""
    events = audit_scope(user)
    if person_id is not None:
        events = events.filter(actor_id=person_id, actor__partner_id=user.partner_id)
    if customer:
        events = events.filter(Q(customer__ext_id=customer) | Q(customer__name__icontains=customer))
    if action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC))
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
        events = events.filter(at__lt=end)
    return events.order_by("at", "id") if sort == "at" else events.order_by("-at", "-id")
