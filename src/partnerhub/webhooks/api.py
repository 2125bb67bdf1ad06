"""`/api/v1/webhooks` (docs/reference/events.md#webhooks, docs/reference/api.md#webhooks): a
partner full administrator's webhook endpoints, their deliveries, retries and test events."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema

from partnerhub.accounts.policy import Action, require
from partnerhub.api.errors import InputError
from partnerhub.core.paging import page_slice
from partnerhub.webhooks.models import Delivery, Endpoint
from partnerhub.webhooks.schemas import (
    DeliveryOut,
    DeliveryPageOut,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    EndpointSecretOut,
)
from partnerhub.webhooks.selectors import delivery_get, delivery_log, endpoint_get, endpoint_list
from partnerhub.webhooks.services import (
    delivery_retry,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_test,
    endpoint_update,
)

router = Router(tags=["webhooks"])


class PageQuery(Schema):
    page: int = 1
    page_size: int = 50


def _input_error(exc: ValidationError) -> InputError:
    return InputError(
        [
            {"loc": ["body", field], "msg": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    )


def _one(request: HttpRequest, id: str) -> Endpoint:
    require(request.user, Action.MANAGE_WEBHOOKS)
    return endpoint_get(request.user, id)


@router.post("/webhooks", response={201: EndpointSecretOut})
def create_webhook(request: HttpRequest, payload: EndpointIn) -> tuple[int, Endpoint]:
    """Register an endpoint; the answer carries its `secret`, shown this once."""
    try:
        endpoint = endpoint_create(
            user=request.user,
            url=payload.url,
            events=payload.events,
            description=payload.description,
        )
    except ValidationError as exc:
        raise _input_error(exc) from exc
    return 201, endpoint


@router.get("/webhooks", response=list[EndpointOut])
def list_webhooks(request: HttpRequest) -> list[Endpoint]:
    """The partner's endpoints, newest first (no secrets)."""
    return list(endpoint_list(request.user).select_related("created_by"))


@router.get("/webhooks/{id}", response=EndpointOut)
def get_webhook(request: HttpRequest, id: str) -> Endpoint:
    return _one(request, id)


@router.patch("/webhooks/{id}", response=EndpointOut)
def update_webhook(request: HttpRequest, id: str, payload: EndpointPatch) -> Endpoint:
    """Change the URL, events, description or `enabled` (only what is given)."""
    endpoint = _one(request, id)
    try:
        return endpoint_update(
            user=request.user,
            endpoint=endpoint,
            url=payload.url,
            events=payload.events,
            description=payload.description,
            enabled=payload.enabled,
        )
    except ValidationError as exc:
        raise _input_error(exc) from exc


@router.delete("/webhooks/{id}", response={204: None})
def delete_webhook(request: HttpRequest, id: str) -> tuple[int, None]:
    endpoint_delete(user=request.user, endpoint=_one(request, id))
    return 204, None


@router.post("/webhooks/{id}/rotate-secret", response=EndpointSecretOut)
def rotate_secret(request: HttpRequest, id: str) -> Endpoint:
    """A new secret, shown this once; the previous one keeps signing for 24 hours."""
    return endpoint_rotate_secret(user=request.user, endpoint=_one(request, id))


@router.get("/webhooks/{id}/deliveries", response=DeliveryPageOut)
def list_deliveries(request: HttpRequest, id: str, paging: Query[PageQuery]) -> dict[str, Any]:
    """The endpoint's deliveries, newest first, each with every attempt."""
    return page_slice(delivery_log(_one(request, id)), paging.page, paging.page_size)


@router.post("/webhooks/{id}/deliveries/{did}/retry", response={202: DeliveryOut})
def retry_delivery(request: HttpRequest, id: str, did: str) -> tuple[int, Delivery]:
    """Send a failed delivery again (the worker sends it, through the whole retry schedule)."""
    endpoint = _one(request, id)
    try:
        delivery = delivery_retry(user=request.user, delivery=delivery_get(endpoint, did))
    except ValidationError as exc:
        raise _input_error(exc) from exc
    return 202, delivery_log(endpoint).get(pk=delivery.pk)


@router.post("/webhooks/{id}/test", response={201: DeliveryOut})
def test_webhook(request: HttpRequest, id: str) -> tuple[int, Delivery]:
    """Send a `webhook.test` event to this endpoint only, now; answers the delivery and its
    attempt."""
    endpoint = _one(request, id)
    delivery = endpoint_test(user=request.user, endpoint=endpoint)
    return 201, delivery_log(endpoint).get(pk=delivery.pk)
