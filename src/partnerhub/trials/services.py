"""Writes about trials: start (new or existing customer), extend, end (docs/reference/rules.md).

A customer has at most one trial in force: starting one locks the customer's row and checks again
inside the transaction, so two admins starting a trial at the same moment end with one trial.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.policy import Action, require
from partnerhub.core import clock
from partnerhub.core.audit import audit_record
from partnerhub.core.choices import Product
from partnerhub.core.events import emit_event
from partnerhub.core.validation import check_email, check_name
from partnerhub.customers.models import Customer, CustomerManager
from partnerhub.customers.schemas import customer_body
from partnerhub.customers.selectors import customer_with_statuses
from partnerhub.customers.status_changes import customer_statuses_record
from partnerhub.subscriptions.changes import items_changed
from partnerhub.subscriptions.models import Item, ItemLine, ItemState
from partnerhub.subscriptions.schemas import trial_body
from partnerhub.subscriptions.selectors import in_force_q
from partnerhub.subscriptions.services import (
    create_numbered,
    email_after_commit,
    item_snapshot,
    lines_clean,
)

TRIAL_LENGTHS = (30, 60, 90)
TRIAL_MAX_LICENSES = 1000
EXTENSION_DAYS = 30
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def trial_end_date(start: dt.date, days: int) -> dt.date:
    """The last day of a trial of `days` days starting on `start` (both days count)."""
    return start + dt.timedelta(days=days - 1)


def _clean_new_customer(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    name = str(data.get("name") or "").strip()
    email = str(data.get("admin_email") or "").strip().lower()
    country = str(data.get("country") or "").strip().upper()
    errors: dict[str, list[str]] = {}
    check_name(
        errors,
        "new_customer.name",
        name,
        missing=_("Give the company name."),
        too_long=_("The company name can be at most 200 characters."),
    )
    check_email(
        errors,
        "new_customer.admin_email",
        email,
        missing=_("Give the e-mail of the customer's administrator."),
    )
    if not _COUNTRY.match(country):
        errors["new_customer.country"] = [_("Give the country as a two-letter code, e.g. PL.")]
    return {"name": name, "admin_email": email, "country": country}, errors


def _new_customer_id() -> str:
    return "C-" + uuid.uuid4().hex[:8].upper()


def _customer_create(*, actor: Any, fields: dict[str, str], today: dt.date) -> Customer:
    """Create a prospect's customer record and make the starting person one of its managers."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    ext_id=_new_customer_id(), partner_id=actor.partner_id, created=today, **fields
                )
                break
        except IntegrityError:
            continue
    else:
        raise IntegrityError("no free customer id after 5 attempts")
    CustomerManager.objects.create(customer=customer, user=actor)
    audit_record(
        actor=actor,
        action="customer.create",
        obj_type="customer",
        obj_id=customer.ext_id,
        customer=customer,
        after={
            **fields,
            "id": customer.ext_id,
            "created": today.isoformat(),
            "managers": [actor.email],
        },
    )
    return customer


def trial_start(
    *,
    actor: Any,
    lines: Iterable[Mapping[str, Any]] | Mapping[str, Any],
    customer: Customer | None = None,
    new_customer: Mapping[str, Any] | None = None,
    days: int | None = None,
) -> Item:
    """Start a trial for `customer` (already resolved within the person's scope) or for a
    `new_customer` {name, admin_email, country}; lines of 1–1,000 licenses; 30, 60 or 90 days.

    The customer's administrator gets an invitation e-mail once the trial is committed.
    """
    # The policy answers here too, so no entry point skips it (403 on an external customer).
    require(actor, Action.MANAGE_TRIALS, customer)
    today = clock.today()
    days = settings.TRIAL_DEFAULT_DAYS if days is None else days
    errors: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    if (customer is None) == (new_customer is None):
        errors["customer_id"] = [_("Choose an existing customer or describe a new one (not both).")]
    elif new_customer is not None:
        fields, customer_errors = _clean_new_customer(new_customer)
        errors.update(customer_errors)
    if isinstance(days, bool) or days not in TRIAL_LENGTHS:
        errors["days"] = [_("A trial lasts 30, 60 or 90 days (got %(days)s).") % {"days": days}]
    clean_lines: dict[str, int] = {}
    try:
        clean_lines = lines_clean(lines, minimum=1, maximum=TRIAL_MAX_LICENSES)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        if customer is None:
            customer = _customer_create(actor=actor, fields=fields, today=today)
        else:
            # The lock serialises concurrent starts for one customer; the check below then sees
            # any trial a competing transaction committed while this one waited.
            customer = (
                Customer.objects.select_for_update().select_related("partner").get(pk=customer.pk)
            )
            running = (
                Item.objects.filter(
                    customer=customer, is_trial=True, state=ItemState.ACTIVE, end__gte=today
                )
                .values_list("ext_id", "end")
                .first()
            )
            if running is not None:
                raise ValidationError(
                    {
                        "customer_id": _(
                            "%(customer)s already has a trial in force (%(trial)s, until %(end)s); "
                            "extend it or end it first."
                        )
                        % {"customer": customer.name, "trial": running[0], "end": running[1]}
                    }
                )
        trial = create_numbered(
            Item,
            "Trial-",
            customer=customer,
            is_trial=True,
            start=today,
            end=trial_end_date(today, days),
            state=ItemState.ACTIVE,
            created_by=actor,
        )
        trial.customer = customer
        ItemLine.objects.bulk_create(
            ItemLine(item=trial, product=p, licenses=n) for p, n in clean_lines.items()
        )
        items_changed(item_ids=[trial.pk])
        if new_customer is not None:
            customer_record = customer_with_statuses(customer=customer, user=actor, day=today)
            emit_event(
                "customer.created",
                partner_id=customer.partner_id,
                customer=customer,
                actor=actor,
                data=customer_body(customer_record),
            )
        emit_event(
            "trial.started",
            partner_id=customer.partner_id,
            customer=customer,
            actor=actor,
            data=trial_body(trial),
        )
        customer_statuses_record(
            customers=Customer.objects.filter(pk=customer.pk), day=today, actor=actor
        )
        audit_record(
            actor=actor,
            action="trial.start",
            obj_type="trial",
            obj_id=trial.ext_id,
            customer=customer,
            before=None,
            after={**item_snapshot(trial, clean_lines), "days": days},
        )
        if customer.admin_email:
            email_after_commit(
                "trials/email/invitation_subject.txt",
                "trials/email/invitation_body.txt",
                {
                    "customer": customer,
                    "trial": trial,
                    "lines": [(str(Product(p).label), n) for p, n in clean_lines.items()],
                    "partner": actor.partner,
                    "days": days,
                },
                customer.admin_email,
            )
    return trial


def _locked_trial(trial: Item) -> Item:
    return (
        Item.objects.select_for_update()
        .select_related("customer", "customer__partner")
        .get(pk=trial.pk)
    )


def _require_in_force(trial: Item, today: dt.date, verb: str) -> None:
    in_force = Item.objects.filter(pk=trial.pk).filter(in_force_q(today)).exists()
    if not trial.is_trial:
        raise ValidationError({"trial_id": _("%(id)s is not a trial.") % {"id": trial.ext_id}})
    if not in_force:
        state = (
            trial.state
            if trial.state != ItemState.ACTIVE
            else _("past its end (%(end)s)") % {"end": trial.end}
        )
        raise ValidationError(
            {
                "state": _("Only a trial in force can be %(verb)s; %(id)s is %(state)s.")
                % {"verb": verb, "id": trial.ext_id, "state": state}
            }
        )


# The event each change of a trial in force writes (docs/reference/events.md).
_EVENT_OF_ACTION = {"trial.extend": "trial.extended", "trial.end": "trial.ended"}


def _change_in_force(
    *, actor: Any, trial: Item, verb: str, action: str, change: Callable[[Item, dt.date], list[str]]
) -> Item:
    """Lock a trial in force, apply `change` (it answers the fields it set), save, record the
    change (for the analytics) and audit it as `action`; `verb` names the change in the
    not-in-force message."""
    require(actor, Action.MANAGE_TRIALS, trial.customer)
    today = clock.today()
    with transaction.atomic():
        trial = _locked_trial(trial)
        _require_in_force(trial, today, verb)
        before = item_snapshot(trial)
        trial.save(update_fields=change(trial, today))
        items_changed(item_ids=[trial.pk])
        emit_event(
            _EVENT_OF_ACTION[action],
            partner_id=trial.customer.partner_id,
            customer=trial.customer,
            actor=actor,
            data=trial_body(trial),
        )
        customer_statuses_record(
            customers=Customer.objects.filter(pk=trial.customer_id), day=today, actor=actor
        )
        audit_record(
            actor=actor,
            action=action,
            obj_type="trial",
            obj_id=trial.ext_id,
            customer=trial.customer,
            before=before,
            after=item_snapshot(trial, before["lines"]),
        )
    return trial


def _end(trial: Item, today: dt.date) -> list[str]:
    """State `ended`, end = today."""
    trial.state = ItemState.ENDED
    trial.end = today
    return ["state", "end"]


@dataclass(frozen=True)
class TrialExtension:
    """What extending a trial on a given day does: its end now and its end after extending."""

    current_end: dt.date
    new_end: dt.date

    @property
    def shortens(self) -> bool:
        """Extending moves the end earlier (the trial had more than 30 days left)."""
        return self.new_end < self.current_end

    @property
    def warning(self) -> str:
        """The plain words for an extension that moves the end earlier ("" when it does not)."""
        if not self.shortens:
            return ""
        return _(
            "This shortens the trial: it now ends on %(end)s; after extending it ends on "
            "%(new_end)s."
        ) % {"end": self.current_end.isoformat(), "new_end": self.new_end.isoformat()}


def trial_extension_preview(*, trial: Item, today: dt.date | None = None) -> TrialExtension:
    """The rule of Extend (docs/reference/rules.md#trials): the new end is today + 30 days, not
    added to the days left, so a trial with more than 30 days left is shortened. Pages and the
    API show it before acting."""
    today = clock.today() if today is None else today
    return TrialExtension(current_end=trial.end, new_end=today + dt.timedelta(days=EXTENSION_DAYS))


def trial_extend_dry_run(*, actor: Any, trial: Item) -> TrialExtension:
    """What `trial_extend` would do now, after the same checks (the policy, in force), writing
    nothing: the API's `?dry_run=true`."""
    require(actor, Action.MANAGE_TRIALS, trial.customer)
    today = clock.today()
    _require_in_force(trial, today, _("extended"))
    return trial_extension_preview(trial=trial, today=today)


def trial_extend(*, actor: Any, trial: Item, confirm_shorten: bool = False) -> Item:
    """Extend a trial in force: the new end is today + 30 days (not added to the days left).

    When that is earlier than the current end the trial is shortened, and only with
    `confirm_shorten` (otherwise a ValidationError on `confirm_shorten`, code "shortens", and
    nothing changes): no page or script shortens a trial by accident.
    """

    def extend(locked: Item, today: dt.date) -> list[str]:
        # Decided on the locked row, so the check and the write see the same end.
        extension = trial_extension_preview(trial=locked, today=today)
        if extension.shortens and not confirm_shorten:
            raise ValidationError(
                {
                    "confirm_shorten": ValidationError(
                        _("%(message)s Nothing was changed; confirm the shortening to do it.")
                        % {"message": extension.warning},
                        code="shortens",
                    )
                }
            )
        locked.end = extension.new_end
        return ["end"]

    return _change_in_force(
        actor=actor, trial=trial, verb=_("extended"), action="trial.extend", change=extend
    )


def trial_end(*, actor: Any, trial: Item) -> Item:
    """End a trial in force now: state `ended`, end = today."""
    return _change_in_force(
        actor=actor, trial=trial, verb=_("ended"), action="trial.end", change=_end
    )
