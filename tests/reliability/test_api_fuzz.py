"""API fuzzing: schemathesis against `/api/v1/openapi.json` with a full administrator's token.

Every operation of the OpenAPI document is called through the WSGI application (no network) on a
small but complete dataset, with generated valid and invalid input. No answer may be a server
error, and its status code, content type and body must be ones the document declares.

Schemathesis' fuzz dictionaries steer generation: every string and integer (query, path, JSON
body, nested) sometimes gets a hostile value (NUL, calendar edges, numbers beyond any column …),
and fields naming objects or choices (`customer_id`, `product`, `days` …) mostly get values that
exist, so that the fuzzer reaches past the first 404 or 422 and into the services.

Deterministic for CI: `derandomize=True` and 25 generated examples per operation (plus
schemathesis' deterministic coverage cases); each example runs in a savepoint rolled back
afterwards, so each sees the same dataset. Below, what the fuzzer found is pinned by plain tests.
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partnerhub.accounts.services import token_create
from partnerhub.calling.services import refresh_analytics
from partnerhub.core.choices import Role
from tests.customers_factories import InvoiceFactory, OrderFactory, assign, login_on, tag
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    CallQueueFactory,
    CustomerFactory,
    CustomerManagerFactory,
    CustomerUserFactory,
    ExternalAdminFactory,
    ItemFactory,
    MeetingFactory,
    MeetingParticipantFactory,
    UsageDayFactory,
    UserFactory,
)
from tests.helpdesk_factories import CaseFactory, CommentFactory
from tests.resources_factories import ResourceClickFactory, ResourceFactory

pytestmark = pytest.mark.django_db

D = dt.date(2026, 11, 26)
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CASE_NUMBER = "PH-2026-990001"
PEOPLE = [f"{role.value}@northwind.example" for role in Role]

# Values that broke, or could break, something below the API: NUL (no PostgreSQL text column
# holds it), dates at the edges of the calendar, numbers beyond any column, blanks, overlong,
# right-to-left and astral text, SQL and LIKE metacharacters, another partner's customer.
HOSTILE_STRINGS = [
    "a\x00b",
    "\x00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-11-15",
    "99999999999999999999999",
    "-1",
    "",
    " ",
    "x" * 300,
    "Zoë \u202e 🚀 名前",
    "'; DROP TABLE customers; --",
    "%_\\",
    "C-FZ-THEIRS",
]
HOSTILE_INTEGERS = [0, -1, 2**31, 2**63, 10**30]
# Values fields of these names take in the dataset below (ids, also another partner's) or by the
# rules (products, roles, trial lengths …): drawn for about 60% of their values, so that the
# fuzzer gets past the first 404 or 422 and into the services.
KNOWN: dict[str, list[Any]] = {
    "customer_id": ["C-FZ-ACTIVE", "C-FZ-TRIAL", "C-FZ-OVER", "C-FZ-SETUP", "C-FZ-THEIRS"],
    "trial_id": ["Trial-FZ-1", "Trial-FZ-ENDED", "Sub-FZ-ACTIVE"],
    "subscription_id": ["Sub-FZ-PROV", "Sub-FZ-ACTIVE", "Trial-FZ-1", "Sub-FZ-THEIRS"],
    "subscription": ["Sub-FZ-PROV", "Sub-FZ-ACTIVE"],
    "item_id": ["Sub-FZ-ACTIVE", "Trial-FZ-1", "Sub-FZ-OVER", "Sub-FZ-THEIRS"],
    "user_id": ["U-FZ-0", "U-FZ-3", "U-FZ-T"],
    "user_ids": ["U-FZ-0", "U-FZ-3", "U-FZ-T"],
    "id": [CASE_NUMBER, "ORD-FZ-NEW"],
    "email": [
        *PEOPLE,
        "boss@fabrikam.example",
        "inactive@northwind.example",
        "new@contoso.example",
    ],
    "admin_email": ["admin@contoso.example"],
    "product": ["calling", "meetings", "contact_center"],
    "licenses": [1, 5, 1000, 1001],
    "days": [30, 60, 90],
    "tags": ["gold", "silver", "GOLD"],
    "role": [role.value for role in Role],
    "area": ["calling", "contact_center"],
    "severity": [1, 2, 3, 4],
    "action": ["new", "change", "renewal", "cancel"],
    "country": ["PL", "DE"],
    "currency": ["EUR", "PLN"],
    "date": ["2026-11-26", "2027-01-01"],
    "start": ["2026-11-26", "2026-12-01"],
    "end": ["2027-11-25", "2026-11-01"],
    "as_of": ["2026-11-26", "2026-11-29", "1900-01-01", "2999-12-31", "0001-01-01", "9999-12-31"],
    "week": ["2026-11-15", "2026-09-27", "2026-11-16"],
}


def _leaves(
    node: Any, document: dict[str, Any], path: str, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(`body.a.b[*].c`, "string" | "integer") of every scalar a request body schema holds."""
    if depth > 8 or not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        yield from _leaves(document["components"]["schemas"][name], document, path, depth + 1)
        return
    for branch in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        yield from _leaves(branch, document, path, depth + 1)
    kind = node.get("type")
    if kind == "object":
        for name, sub in node.get("properties", {}).items():
            yield from _leaves(sub, document, f"{path}.{name}", depth + 1)
    elif kind == "array":
        yield from _leaves(node.get("items", {}), document, f"{path}[*]", depth + 1)
    elif kind in ("string", "integer") and path != "body":
        yield path, kind


def _hostile_like(value: Any) -> list[Any]:
    """A few hostile values of the same type, so known fields get them too."""
    return HOSTILE_INTEGERS[-2:] if isinstance(value, int) else HOSTILE_STRINGS[:4]


def _fuzz_config(document: dict[str, Any]) -> SchemathesisConfig:
    """Hostile values for every string and integer (query, path and JSON bodies alike), and
    known values for the fields of KNOWN."""
    parameters: dict[str, Any] = {
        name: {"dictionary": f"known_{name}", "probability": 0.6} for name in KNOWN
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            for path, kind in _leaves(body, document, "body"):
                field = path.rsplit(".", 1)[-1].removesuffix("[*]")
                parameters[path] = (
                    {"dictionary": f"known_{field}", "probability": 0.6}
                    if field in KNOWN
                    else {"dictionary": f"hostile_{kind}", "probability": 0.2}
                )
    return SchemathesisConfig.from_dict(
        {
            "dictionaries": {
                "hostile_string": {"values": HOSTILE_STRINGS},
                "hostile_integer": {"values": HOSTILE_INTEGERS},
                **{
                    f"known_{name}": {"values": [*values, *_hostile_like(values[0])]}
                    for name, values in KNOWN.items()
                },
            },
            "generation": {
                "dictionaries": {
                    "string": {"dictionary": "hostile_string", "probability": 0.2},
                    "integer": {"dictionary": "hostile_integer", "probability": 0.2},
                }
            },
            "parameters": parameters,
        }
    )


APP = WSGIHandler()
_document = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP).raw_schema
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=_fuzz_config(_document))
# `POST /ingest` takes JSON Lines: the generated string goes as the body, as text would.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


def _days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


@pytest.fixture
def world(partner: Any, people: dict[str, Any], stranger: Any) -> dict[str, Any]:
    """One partner with customers of every status and everything around them (the ids of KNOWN),
    another partner's customer, and a full administrator's token."""
    admin = people[Role.PARTNER_FULL_ADMIN]
    sales = people[Role.SALES_ADMIN]
    calling_lines = {"calling": 10, "meetings": 5}

    active = CustomerFactory(partner=partner, ext_id="C-FZ-ACTIVE", name="Contoso")
    sub = ItemFactory(customer=active, ext_id="Sub-FZ-ACTIVE", auto_renew=True, lines=calling_lines)
    OrderFactory(item=sub, ext_id="ORD-FZ-1")
    InvoiceFactory(item=sub, ext_id="INV-FZ-1")
    login_on(active, -2)
    queue = CallQueueFactory(customer=active, ext_id="Q-FZ-1")
    users = [CustomerUserFactory(customer=active, ext_id=f"U-FZ-{i}") for i in range(4)]
    for u in users[:3]:
        AssignmentFactory(user=u, item=sub, product="calling")
        UsageDayFactory(user=u, product="calling", day=_days(-3))
    AssignmentFactory(user=users[0], item=sub, product="meetings")
    for i, u in enumerate(users[:3]):
        CallFactory(
            customer=active,
            user=u,
            ext_id=f"K-FZ-{i}",
            start=dt.datetime(2026, 11, 17, 9 + i, tzinfo=dt.UTC),
            mos=4.2 - i,
            jitter_ms=10.0 * i,
            loss_pct=0.5 * i,
            latency_ms=40.0,
            queue=queue if i == 0 else None,
            queue_wait_s=12.0 if i == 0 else None,
            queue_outcome="answered" if i == 0 else None,
        )
    meeting = MeetingFactory(customer=active, host=users[0], ext_id="M-FZ-1")
    MeetingParticipantFactory(meeting=meeting, user=users[1])
    tag(active, "gold")
    CustomerManagerFactory(customer=active, user=sales)

    trial_customer = CustomerFactory(partner=partner, ext_id="C-FZ-TRIAL", name="Trial Co")
    ItemFactory(
        customer=trial_customer,
        ext_id="Trial-FZ-1",
        is_trial=True,
        start=_days(-10),
        end=_days(20),
        lines={"meetings": 5},
    )
    CustomerUserFactory(customer=trial_customer, ext_id="U-FZ-T")

    overage = CustomerFactory(partner=partner, ext_id="C-FZ-OVER", name="Overage Inc")
    over_sub = ItemFactory(customer=overage, ext_id="Sub-FZ-OVER", lines={"calling": 2})
    assign(over_sub, 3)

    suspended = CustomerFactory(partner=partner, ext_id="C-FZ-SUSP", name="Suspended Ltd")
    ItemFactory(customer=suspended, ext_id="Sub-FZ-SUSP", state="suspended", lines={"meetings": 3})

    setup = CustomerFactory(partner=partner, ext_id="C-FZ-SETUP", name="Setup GmbH")
    prov = ItemFactory(
        customer=setup,
        ext_id="Sub-FZ-PROV",
        state="provisioning",
        start=D,
        end=_days(365),
        lines={"calling": 5},
    )
    OrderFactory(item=prov, ext_id="ORD-FZ-2")

    expired = CustomerFactory(partner=partner, ext_id="C-FZ-EXP", name="Expired SA")
    ItemFactory(
        customer=expired,
        ext_id="Sub-FZ-EXP",
        state="cancelled",
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
        lines={"calling": 1},
    )
    ItemFactory(
        customer=expired,
        ext_id="Trial-FZ-ENDED",
        is_trial=True,
        state="ended",
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 3, 1),
        lines={"calling": 1},
    )

    external = CustomerFactory(partner=partner, ext_id="C-FZ-EXT", name="External AB")
    ItemFactory(customer=external, ext_id="Sub-FZ-EXT", end=_days(15), lines={"messaging": 4})
    ExternalAdminFactory(customer=external, user=admin)

    theirs = CustomerFactory(partner=stranger.partner, ext_id="C-FZ-THEIRS", name="Not yours")
    ItemFactory(customer=theirs, ext_id="Sub-FZ-THEIRS", lines={"calling": 1})

    case = CaseFactory(partner=partner, opened_by=admin, customer=active)
    case.number = CASE_NUMBER
    case.save(update_fields=["number"])
    CommentFactory(case=case, author=admin)
    resource = ResourceFactory(featured=True, quick_link=True, products=["calling"])
    ResourceFactory(type="video", language="pl")
    ResourceClickFactory(resource=resource, partner=partner, user=admin)
    UserFactory(
        partner=partner, role=Role.USER, email="inactive@northwind.example", is_active=False
    )
    refresh_analytics(as_of=D)

    _token, raw = token_create(user=admin, name="fuzz")
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """Call Django's WSGI handler as a server would, inside the test's transaction: keep the
    connection open between requests, and collect the traceback of any unhandled exception."""
    errors: list[str] = []

    def _record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        errors.append(traceback.format_exc())

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(_record)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(_record)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # `world` is built once per operation, on purpose
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_operation_answers_as_documented(
    case: Any, world: dict[str, Any], server_errors: list[str]
) -> None:
    """Given the dataset, when any input reaches the operation, then no 5xx and the answer
    (status code, content type, body) is one the OpenAPI document declares."""
    server_errors.clear()
    with transaction.atomic():
        response = case.call(headers={"Authorization": world["authorization"]})
        transaction.set_rollback(True)
    assert not server_errors, f"{case.as_curl_command()}\n{server_errors[0]}"
    case.validate_response(response, checks=CHECKS)


# --- What the fuzzer found, pinned: each answered a 500 (PostgreSQL) or a 400 before the fix ----

BIG = "99999999999999999999999"
HOSTILE_REQUESTS = [
    # NUL characters: PostgreSQL refuses them in any text value (DataError → 500).
    ("get", "/api/v1/customers?q=a%00b", None, ["query", "q"]),
    ("get", "/api/v1/customers?tag=a%00b", None, ["query", "tag"]),
    ("get", "/api/v1/customers/C-FZ%00", None, ["path", "customer_id"]),
    ("get", "/api/v1/audit?customer_id=%00", None, ["query", "customer_id"]),
    ("get", "/api/v1/helpdesk/cases/PH%00", None, ["path", "id"]),
    ("put", "/api/v1/users/a%00b/role", {"role": "user"}, ["path", "email"]),
    ("delete", "/api/v1/customers/C-FZ-ACTIVE/admins/a%00b", None, ["path", "email"]),
    (
        "post",
        "/api/v1/helpdesk/cases",
        {"area": "calling", "severity": 2, "subject": "a\x00", "description": "x"},
        ["body", "subject"],
    ),
    ("put", "/api/v1/customers/C-FZ-ACTIVE/tags", {"tags": ["ok", "a\x00"]}, ["body", "tags", 1]),
    (
        "post",
        "/api/v1/trials",
        {
            "new_customer": {"name": "N\x00", "admin_email": "a@b.pl", "country": "PL"},
            "lines": [{"product": "calling", "licenses": 5}],
            "days": 30,
        },
        ["body", "new_customer", "name"],
    ),
    (
        "post",
        "/api/v1/customers/C-FZ-ACTIVE/org/assignments",
        {"item_id": "Sub-FZ-ACTIVE", "product": "calling", "user_ids": ["U\x00"]},
        ["body", "user_ids", 0],
    ),
    # Bodies that are not JSON: django-ninja answered 400 (docs/reference/api.md#errors: 422).
    ("post", "/api/v1/helpdesk/cases", "{not json", ["body"]),
    ("post", "/api/v1/helpdesk/cases", '{"area": "calling", "severity": NaN}', ["body"]),
    # Dates at the ends of the calendar: the windows around them overflowed (OverflowError).
    ("get", "/api/v1/customers?as_of=9999-12-31", None, ["query", "as_of"]),
    ("get", "/api/v1/customers/C-FZ-ACTIVE?as_of=0001-01-01", None, ["query", "as_of"]),
    (
        "get",
        "/api/v1/customers/C-FZ-ACTIVE/org/licenses?as_of=0001-01-01",
        None,
        ["query", "as_of"],
    ),
    ("get", "/api/v1/analytics/subscriptions?as_of=9999-12-31", None, ["query", "as_of"]),
    ("get", "/api/v1/analytics/calling?as_of=0001-01-01", None, ["query", "as_of"]),
    # An amount beyond Order.amount's 14 digits (numeric field overflow).
    (
        "post",
        "/api/v1/orders",
        {
            "action": "new",
            "customer_id": "C-FZ-SETUP",
            "lines": [{"product": "calling", "licenses": 5}],
            "amount": "1e13",
            "currency": "EUR",
            "start": "2026-12-01",
            "end": "2027-11-30",
        },
        ["body", "amount"],
    ),
]


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.label.split(".")[0] in {"customers", "subscriptions", "tags", "helpdesk"}
    }


@pytest.mark.parametrize(("method", "url", "body", "loc"), HOSTILE_REQUESTS)
def test_hostile_input_is_a_422_naming_the_field_and_writes_nothing(
    world: dict[str, Any], method: str, url: str, body: Any, loc: list[Any]
) -> None:
    """Given the dataset, when a request carries input no column can hold, then 422 naming
    the field, and nothing was written."""
    client = Client(HTTP_AUTHORIZATION=world["authorization"])
    before = _row_counts()
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    response = getattr(client, method)(url, data=data, content_type="application/json")
    assert response.status_code == 422, response.content
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert _row_counts() == before


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/audit", "/api/v1/tags"])
def test_a_page_past_any_end_is_empty_not_an_overflow(world: dict[str, Any], url: str) -> None:
    """Given the dataset, when a list is asked for page 10^22, then an empty page (the database
    refused the OFFSET with "bigint out of range" before)."""
    client = Client(HTTP_AUTHORIZATION=world["authorization"])
    response = client.get(url, {"page": BIG})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] == client.get(url).json()["count"]


def test_an_ingest_line_with_a_nul_is_a_bad_line_and_writes_nothing(
    world: dict[str, Any],
) -> None:
    """Given the dataset, when an ingest line carries \\u0000 in a string, then 422 naming the
    line and the field (the COPY into PostgreSQL failed before), and nothing was written."""
    client = Client(HTTP_AUTHORIZATION=world["authorization"])
    before = _row_counts()
    line = {
        "kind": "user",
        "id": "U-NUL",
        "customer": "C-FZ-ACTIVE",
        "email": "n@c.pl",
        "name": "Bad\x00Name",
    }
    response = client.post(
        "/api/v1/ingest", data=json.dumps(line) + "\n", content_type="application/x-ndjson"
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == [
        {"line": 1, "field": "name", "msg": "must not contain NUL (\\u0000) characters"}
    ]
    assert _row_counts() == before


def test_every_operation_documents_the_common_error_answers() -> None:
    """Given the OpenAPI document, then every operation declares 401, 403, 404 and 422 with the
    `{"detail": …}` shape of docs/reference/api.md#errors (or a more precise one of its own)."""
    document = schema.raw_schema
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            missing = {"401", "403", "404", "422"} - set(map(str, operation["responses"]))
            assert not missing, f"{method.upper()} {path} does not document {missing}"
    assert document["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]


def test_every_openapi_component_name_is_one_schema() -> None:
    """Given the API's schemas, then no two share a class name: django-ninja names components by
    class name, and a second `PersonOut` silently replaced the first in the document (the
    fuzzer found `GET /admins` answering bodies its documented schema forbade)."""
    names = set(schema.raw_schema["components"]["schemas"])
    by_name: dict[str, set[str]] = {}
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("partnerhub.") and cls.__name__ in names:
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


@pytest.mark.parametrize("as_of", ["1900-01-01", "2999-12-31"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers",
        "/api/v1/customers/C-FZ-ACTIVE",
        "/api/v1/customers/C-FZ-ACTIVE/org/licenses",
        "/api/v1/analytics/subscriptions",
    ],
)
def test_the_first_and_last_accepted_as_of_dates_answer(
    world: dict[str, Any], url: str, as_of: str
) -> None:
    """Given the dataset, when `as_of` is the first or last date the clock accepts, then the
    figures are computed (the windows around it stay inside the calendar)."""
    client = Client(HTTP_AUTHORIZATION=world["authorization"])
    assert client.get(url, {"as_of": as_of}).status_code == 200
