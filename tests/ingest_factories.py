"""Dataset lines for the loader's tests: one of every kind, and helpers to load and count them."""

from __future__ import annotations

import copy
import io
from typing import Any

import orjson
from django.apps import apps
from django.db import connection

from partnerhub.ingest.loader import LoadResult
from partnerhub.ingest.reader import stream_source
from partnerhub.ingest.services import dataset_load

# Every kind of docs/reference/dataset.md#kinds; C2 belongs to the other partner P2.
BASE: list[dict[str, Any]] = [
    {"kind": "partner", "id": "P1", "name": "Northwind Partners", "country": "PL"},
    {"kind": "partner", "id": "P2", "name": "Fabrikam Partners", "country": "de"},
    {
        "kind": "partner_user",
        "partner": "P1",
        "email": "Anna@Northwind.example",
        "name": "Anna Nowak",
        "role": "partner_full_admin",
    },
    {
        "kind": "partner_user",
        "partner": "P1",
        "email": "sam@northwind.example",
        "name": "Sam Sales",
        "role": "sales_admin",
    },
    {
        "kind": "customer",
        "id": "C1",
        "partner": "P1",
        "name": "Contoso",
        "created": "2026-01-05",
        "country": "pl",
        "tags": ["gold", "Renewal"],
    },
    {"kind": "customer", "id": "C2", "partner": "P2", "name": "Litware", "created": "2026-02-01"},
    {
        "kind": "partner_user",
        "partner": "P1",
        "email": "sam@northwind.example",
        "name": "Sam Sales",
        "role": "sales_admin",
        "customers": ["C1"],
    },
    {"kind": "external_admin", "customer": "C2", "email": "anna@northwind.example"},
    {"kind": "customer_admin_login", "customer": "C1", "at": "2026-11-20T09:00:00+01:00"},
    {
        "kind": "subscription",
        "id": "Sub-1",
        "customer": "C1",
        "start": "2026-01-05",
        "end": "2027-01-04",
        "auto_renew": True,
        "lines": [{"product": "calling", "licenses": 100}, {"product": "meetings", "licenses": 50}],
    },
    {
        "kind": "trial",
        "id": "Tr-1",
        "customer": "C1",
        "start": "2026-11-01",
        "end": "2026-12-31",
        "lines": [{"product": "contact_center", "licenses": 5}],
    },
    {
        "kind": "order",
        "id": "O1",
        "subscription": "Sub-1",
        "date": "2026-01-01",
        "action": "new",
        "lines": [{"product": "calling", "licenses": 100}],
        "amount": 1200.5,
        "currency": "eur",
    },
    {
        "kind": "invoice",
        "id": "I1",
        "subscription": "Sub-1",
        "date": "2026-02-01",
        "amount": 100,
        "currency": "EUR",
        "status": "paid",
    },
    {
        "kind": "user",
        "id": "U1",
        "customer": "C1",
        "email": "jan@contoso.example",
        "name": "Jan Kowalski",
    },
    {"kind": "user", "id": "U2", "customer": "C1", "email": "ola@contoso.example"},
    {
        "kind": "assignment",
        "user": "U1",
        "item": "Sub-1",
        "product": "calling",
        "from": "2026-01-10",
    },
    {
        "kind": "assignment",
        "user": "U2",
        "item": "Tr-1",
        "product": "contact_center",
        "from": "2026-11-02",
        "to": "2026-11-20",
    },
    {"kind": "call_queue", "id": "Q1", "customer": "C1", "name": "Front desk"},
    # 23:30 at UTC-2 is 01:30 UTC the next day: the meeting's day is 2026-11-20
    {
        "kind": "meeting",
        "id": "M1",
        "customer": "C1",
        "host": "U1",
        "start": "2026-11-19T23:30:00-02:00",
        "duration_s": 1800,
        "participants": ["U2", "U1"],
    },
    {
        "kind": "call",
        "id": "K1",
        "customer": "C1",
        "user": "U1",
        "start": "2026-11-20T09:00:00Z",
        "duration_s": 95,
        "endpoint": "ip_phone",
        "quality": {"jitter_ms": 12, "loss_pct": 0.1, "latency_ms": 80},
    },
    {
        "kind": "call",
        "id": "K2",
        "customer": "C1",
        "user": "U2",
        "start": "2026-11-21T10:00:00Z",
        "duration_s": 30.5,
        "endpoint": "webex_app_mobile",
        "type": "call_on_webex",
        "direction": "internal",
    },
    {
        "kind": "call",
        "id": "K3",
        "customer": "C1",
        "user": "U2",
        "start": "2026-11-22T10:00:00Z",
        "duration_s": 60,
        "endpoint": "room_device",
        "direction": "inbound",
        "features": ["call_queue", "transfer"],
        "queue": {"id": "Q1", "wait_s": 12.5, "outcome": "answered"},
    },
    {
        "kind": "resource",
        "id": "R1",
        "title": "Calling guide",
        "url": "https://example.com/guide",
        "type": "article",
        "products": ["calling"],
        "featured": True,
    },
]


def base() -> list[dict[str, Any]]:
    """A fresh copy of BASE to change in a test."""
    return copy.deepcopy(BASE)


def jsonl(lines: list[Any]) -> bytes:
    """JSON Lines of dicts (a `str` or `bytes` item is written as is, for bad lines)."""
    out = []
    for line in lines:
        if isinstance(line, bytes):
            out.append(line)
        elif isinstance(line, str):
            out.append(line.encode())
        else:
            out.append(orjson.dumps(line))
    return b"\n".join(out) + b"\n"


def load(lines: list[Any], **kwargs: Any) -> LoadResult:
    """Load lines given as dicts (or raw text) through the service, as one unnamed stream."""
    return dataset_load(sources=[stream_source(io.BytesIO(jsonl(lines)))], **kwargs)


# Logs that record a call rather than what it changed: an API token's first use of the day is a
# row of the sign-in audit, written by the request's authentication however it is then answered.
LOG_TABLES = {"signins.SignIn"}


def table_counts() -> dict[str, int]:
    """Rows in every table of the project: to show that a refused load wrote nothing."""
    existing = set(connection.introspection.table_names())
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"contenttypes", "auth", "sessions", "admin"}
        and model._meta.managed
        and not model._meta.proxy
        and model._meta.db_table in existing
        and model._meta.label not in LOG_TABLES
    }
