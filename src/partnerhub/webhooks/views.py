"""Pages of webhooks: the partner's endpoints, one endpoint with its delivery log, and the
Events page (docs/reference/events.md)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import Action
from partnerhub.core import clock
from partnerhub.core.events import EVENT_TYPES
from partnerhub.core.forms import apply_errors
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view, render_page_or_fragment
from partnerhub.webhooks.forms import EndpointForm
from partnerhub.webhooks.models import DeliveryState, Endpoint
from partnerhub.webhooks.selectors import (
    delivery_get,
    delivery_log,
    endpoint_get,
    endpoint_list,
    event_list,
)
from partnerhub.webhooks.services import (
    delivery_retry,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_test,
    endpoint_update,
)

ENDPOINT_COLUMNS = [
    Column("url", gettext_lazy("URL"), sortable=False),
    Column("events", gettext_lazy("Events"), sortable=False),
    Column("state", gettext_lazy("State"), sortable=False),
    Column("deliveries", gettext_lazy("Waiting / failed"), sortable=False, numeric=True),
    Column("created", gettext_lazy("Created"), sortable=False),
]
DELIVERY_COLUMNS = [
    Column("time", gettext_lazy("Time"), sortable=False),
    Column("event", gettext_lazy("Event"), sortable=False),
    Column("state", gettext_lazy("State"), sortable=False),
    Column("status", gettext_lazy("Status or error"), sortable=False),
    Column("duration", gettext_lazy("Duration"), sortable=False, numeric=True),
    Column("attempt", gettext_lazy("Attempt"), sortable=False, numeric=True),
    Column("actions", "", sortable=False),
]
EVENT_COLUMNS = [
    Column("created", gettext_lazy("Time"), sortable=False),
    Column("type", gettext_lazy("Type"), sortable=False),
    Column("customer", gettext_lazy("Customer"), sortable=False),
    Column("actor", gettext_lazy("By"), sortable=False),
    Column("payload", gettext_lazy("Event"), sortable=False),
]
SECRET_KEY = "webhooks.new_secret"


def _show_secret_once(request: HttpRequest, endpoint: Endpoint) -> None:
    request.session[SECRET_KEY] = {"id": endpoint.public_id, "secret": endpoint.secret}


def _take_secret(request: HttpRequest, endpoint: Endpoint) -> str:
    kept = request.session.get(SECRET_KEY)
    if isinstance(kept, dict) and kept.get("id") == endpoint.public_id:
        del request.session[SECRET_KEY]
        return str(kept.get("secret", ""))
    return ""


@partner_view(Action.MANAGE_WEBHOOKS)
def endpoints(request: HttpRequest) -> HttpResponse:
    """The partner's endpoints and the form that registers another."""
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = endpoint_create(
                user=request.user,
                url=data["url"],
                events=data["events"],
                description=data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            _show_secret_once(request, endpoint)
            messages.success(request, _("The webhook was registered."))
            return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)
    context = {
        "endpoints": list(endpoint_list(request.user)),
        "columns": ENDPOINT_COLUMNS,
        "form": form,
        "event_labels": {k: str(v) for k, v in EVENT_TYPES.items()},
    }
    return render_page_or_fragment(request, "webhooks/list.html", "webhooks/list.html", context)


@partner_view(Action.MANAGE_WEBHOOKS)
def endpoint_detail(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """One endpoint: its settings, actions and delivery log (the log pages by HTMX)."""
    endpoint = endpoint_get(request.user, endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial, patterns=list(endpoint.events))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint_update(
                user=request.user,
                endpoint=endpoint,
                url=data["url"],
                events=data["events"],
                description=data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            endpoint.refresh_from_db()
        else:
            messages.success(request, _("The webhook was saved."))
            return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)
    context = {
        "endpoint": endpoint,
        "form": form,
        "secret": _take_secret(request, endpoint),
        "page": paginate(request, delivery_log(endpoint), per_page=25),
        "columns": DELIVERY_COLUMNS,
        "failed": DeliveryState.FAILED,
        "now": clock.now(),
    }
    return render_page_or_fragment(
        request, "webhooks/endpoint.html", "webhooks/_delivery_table.html", context
    )


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def set_enabled(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = endpoint_get(request.user, endpoint_id)
    enabled = request.POST.get("enabled") == "1"
    endpoint_update(user=request.user, endpoint=endpoint, enabled=enabled)
    messages.success(
        request, _("The webhook was enabled.") if enabled else _("The webhook was disabled.")
    )
    return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def rotate(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = endpoint_rotate_secret(
        user=request.user, endpoint=endpoint_get(request.user, endpoint_id)
    )
    _show_secret_once(request, endpoint)
    messages.success(
        request, _("The secret was rotated. The previous one keeps signing for 24 hours.")
    )
    return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def send_test(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = endpoint_get(request.user, endpoint_id)
    delivery = endpoint_test(user=request.user, endpoint=endpoint)
    if delivery.state == DeliveryState.SUCCEEDED:
        messages.success(
            request,
            _("The test event was delivered: HTTP %(status)s.") % {"status": delivery.last_status},
        )
    else:
        messages.warning(
            request,
            _("The test event was not delivered: %(error)s")
            % {"error": delivery.last_error or _("no answer")},
        )
    return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def delete(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint_delete(user=request.user, endpoint=endpoint_get(request.user, endpoint_id))
    messages.success(request, _("The webhook was deleted."))
    return redirect("webhooks:list")


@require_POST
@partner_view(Action.MANAGE_WEBHOOKS)
def retry(request: HttpRequest, endpoint_id: str, delivery_id: int) -> HttpResponse:
    endpoint = endpoint_get(request.user, endpoint_id)
    try:
        delivery_retry(user=request.user, delivery=delivery_get(endpoint, delivery_id))
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery will be sent again in a moment."))
    return redirect("webhooks:endpoint", endpoint_id=endpoint.public_id)


def _date(raw: str) -> Any:
    try:
        return clock.parse_date(raw, field="date") if raw else None
    except clock.AsOfError:
        return None


@partner_view(Action.VIEW_EVENTS)
def events(request: HttpRequest) -> HttpResponse:
    """The partner's events with filters by type, customer and dates; each event's JSON."""
    chosen = [t for t in request.GET.getlist("type") if t in EVENT_TYPES]
    customer = request.GET.get("customer", "").strip()
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    rows = event_list(request.user, types=chosen, customer=customer, since=since, until=until)
    page = paginate(request, rows, per_page=50)
    partner_ext_id = request.user.partner.ext_id  # type: ignore[union-attr]
    items = [
        {
            "event": event,
            "label": EVENT_TYPES.get(event.type, event.type),
            "json": json.dumps(event.payload(partner_ext_id), indent=2, cls=DjangoJSONEncoder),
        }
        for event in page.object_list
    ]
    context = {
        "page": page,
        "items": items,
        "columns": EVENT_COLUMNS,
        "types": list(EVENT_TYPES.items()),
        "chosen": chosen,
        "customer": customer,
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    return render_page_or_fragment(
        request, "webhooks/events.html", "webhooks/_event_table.html", context
    )
