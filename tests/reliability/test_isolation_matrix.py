"""The isolation matrix: every page and API operation, called by every kind of caller.

URL patterns come from the resolver and API operations from the OpenAPI document, so a new page
or endpoint cannot be forgotten: a route whose parameters this file cannot fill fails the test.
Callers: anonymous, a plain `user`, each partner role, the helpdesk team, and a full admin of
another partner. Denied calls answer as docs/reference/rules.md#denials says, changing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from partnerhub.accounts.services import token_create
from partnerhub.alerts.models import Alert
from partnerhub.api.api import api
from partnerhub.core.choices import Role
from partnerhub.core.events import emit_event
from partnerhub.customers.models import CustomerExport, SavedFilter
from partnerhub.helpdesk.models import Attachment
from partnerhub.jobs.models import Job
from partnerhub.signins.models import SignIn, UserSession
from partnerhub.tags.models import CustomerTag, Tag
from partnerhub.webhooks.models import Delivery
from tests.conftest import api_client_for
from tests.customers_factories import InvoiceFactory
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerUserFactory,
    ItemFactory,
    UserFactory,
)
from tests.helpdesk_factories import CaseFactory, HelpdeskUserFactory
from tests.resources_factories import ResourceFactory
from tests.webhooks_factories import EndpointFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "accounts",
    "customers",
    "subscriptions",
    "tags",
    "activity",
    "core",
    "resources",
    "helpdesk",
    "calling",
    "analytics",
    "trials",
    "orgs",
    "ingest",
    "jobs",
    "webhooks",
    "alerts",
    "signins",
    "mfa",
}
# Pages anyone may open (signing in and out, resetting a password, choosing the language: a
# cookie before signing in, one's own profile after; tests/test_i18n_mechanics.py).
PUBLIC = re.compile(r"^(accounts/(login|logout|password/reset|language)|$)")
# Global (not a partner's) objects: the resources library.
GLOBAL_OBJECT_ROUTES = re.compile(r"^resources/")
VOLATILE_FIELDS = {"last_login", "last_used_at"}
# Logs that record a call rather than change anything: a token's first use of the day is a row
# of the sign-in audit, written however the call is then answered.
LOG_TABLES = {"signins.SignIn"}


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    routes = []
    for p in patterns:
        if isinstance(p, URLResolver):
            routes += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            routes.append(prefix + str(p.pattern))
    return routes


def page_routes() -> list[str]:
    """Every page route of Partner Hub (not the operator's admin, the API, or public pages)."""
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if not r.startswith(("operator/", "api/v1/")) and not PUBLIC.match(r)
    ]


def snapshot() -> dict[str, list[str]]:
    """Every row of every Partner Hub table (the world is small), minus volatile fields."""
    state = {}
    for model in apps.get_models():
        if (
            model._meta.app_label not in OUR_APPS
            or not model._meta.managed
            or model._meta.label in LOG_TABLES
        ):
            continue
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE_FIELDS
        ]
        state[model._meta.label] = sorted(map(str, model.objects.values_list(*fields)))
    return state


@pytest.fixture
def world(partner, other_partner, people, stranger):
    """One partner's objects of every kind, and callers of every kind."""
    admin = people[Role.PARTNER_FULL_ADMIN]
    customer = CustomerFactory(partner=partner, ext_id="C-ISO-1", name="Contoso")
    sub = ItemFactory(customer=customer, ext_id="Sub-ISO-1", lines={"calling": 10, "meetings": 5})
    prov = ItemFactory(
        customer=customer, ext_id="Sub-ISO-2", state="provisioning", lines={"calling": 5}
    )
    trial = ItemFactory(
        customer=customer,
        ext_id="Trial-ISO-1",
        is_trial=True,
        start=dt.date(2026, 11, 1),
        end=dt.date(2027, 1, 30),
        lines={"meetings": 5},
    )
    user = CustomerUserFactory(customer=customer)
    AssignmentFactory(user=user, item=sub, product="calling")
    invoice = InvoiceFactory(item=sub)
    tag = Tag.objects.create(partner=partner, name="gold")
    CustomerTag.objects.create(customer=customer, tag=tag)
    saved = SavedFilter.objects.create(user=admin, name="Mine", query="tag:gold")
    export = CustomerExport.objects.create(
        user=admin, as_of=dt.date(2026, 11, 26), fmt="csv", state="ready"
    )
    case = CaseFactory(partner=partner, opened_by=admin, customer=customer)
    attachment = Attachment.objects.create(
        case=case,
        file="helpdesk/x/none.txt",
        name="notes.txt",
        size=3,
        content_type="text/plain",
        uploaded_by=admin,
    )
    resource = ResourceFactory()
    token, _raw = token_create(user=admin, name="matrix")
    colleague = UserFactory(
        partner=partner, role=Role.SALES_ADMIN, email="colleague@northwind.example"
    )
    # A security key of the colleague (two-step sign-in): its edit and remove pages are tried.
    security_key = Authenticator.objects.create(
        user=colleague, type=Authenticator.Type.WEBAUTHN, data={"name": "Matrix key"}
    )
    helpdesk = HelpdeskUserFactory()
    # A background job of the partner (an ingest), so /jobs/{id} is tried on a real one.
    job = Job.objects.create(partner=partner, created_by=admin, kind="ingest", state="done")
    # A webhook endpoint of the partner with a failed delivery (retry, the delivery log).
    endpoint = EndpointFactory(partner=partner)
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=emit_event("trial.started", partner_id=partner.pk, data={}),
        state="failed",
    )
    # An open alert on the partner's customer (its page, actions and API).
    alert = Alert.objects.create(
        partner=partner,
        kind="trial_expiring",
        customer=customer,
        item=trial,
        severity="high",
        opened=dt.datetime(2026, 11, 26, 0, 15, tzinfo=dt.UTC),
        opened_on=dt.date(2026, 11, 26),
        detail={"days_left": 5},
    )
    # A browser session of the partner's sales admin (its page and API), and a sign-in record.
    browser = UserSession.objects.create(
        user=colleague, session_key="matrix-session", ip="192.0.2.7", device="Firefox · Linux"
    )
    SignIn.objects.create(
        user=colleague,
        partner=partner,
        email=colleague.email,
        method="password",
        outcome="succeeded",
    )
    return {
        "browser_session": browser,
        "alert": alert,
        "endpoint": endpoint,
        "delivery": delivery,
        "job": job,
        "customer": customer,
        "sub": sub,
        "invoice": invoice,
        "prov": prov,
        "trial": trial,
        "tag": tag,
        "saved": saved,
        "export": export,
        "case": case,
        "attachment": attachment,
        "resource": resource,
        "colleague": colleague,
        "security_key": security_key,
        "people": people,
        "stranger": stranger,
        "helpdesk": helpdesk,
        "customer_user": user,
        "token": token,
    }


def _page_params(route: str, w: dict[str, Any]) -> dict[str, str]:
    """Values for a route's parameters, chosen by where the route lives."""
    values: dict[str, Callable[[], Any]] = {
        "ext_id": lambda: (
            w["trial"].ext_id
            if route.startswith("trials/")
            else w["prov"].ext_id
            if route.startswith("subscriptions/")
            else w["customer"].ext_id
        ),
        "item_id": lambda: w["sub"].ext_id,
        "product": lambda: "calling",
        "ref": lambda: w["case"].number,
        "slug": lambda: "tags",
        "section": lambda: "expiring",
        "fmt": lambda: "csv",
        "active": lambda: "0",
        "token_id": lambda: w["token"].pk,
        "endpoint_id": lambda: w["endpoint"].public_id,
        "alert_id": lambda: w["alert"].public_id,
        "session_id": lambda: w["browser_session"].pk,
        "action": lambda: "acknowledge",
        "kind": lambda: "trial_expiring",
        "delivery_id": lambda: w["delivery"].pk,
        "pk": lambda: (
            w["invoice"].pk
            if "/invoices/" in route
            else w["tag"].pk
            if route.startswith("tags/")
            else w["saved"].pk
            if "filters" in route
            else w["export"].pk
            if "exports" in route
            else w["resource"].pk
            if route.startswith("resources/")
            else w["attachment"].pk
            if route.startswith("helpdesk/attachments")
            else w["colleague"].pk
            if route.startswith(("org/people/", "accounts/users/", "security/people/"))
            else w["security_key"].pk
            if route.startswith("security/two-step/webauthn/keys/")
            else None
        ),
    }
    params = {}
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        assert name in values, f"the matrix cannot fill <{name}> of {route}: add it here"
        value = values[name]()
        assert value is not None, f"the matrix has no object for <{name}> of {route}: add it here"
        params[name] = str(value)
    return params


def _url(route: str, params: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: params[m.group(1)], route)


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_route_is_reachable_by_the_matrix(world):
    routes = page_routes()
    assert len(routes) > 40
    for route in routes:
        _page_params(route, world)


def test_anonymous_callers_are_sent_to_sign_in_and_change_nothing(world):
    before = snapshot()
    for route in page_routes():
        if PUBLIC.match(route):
            continue
        url = _url(route, _page_params(route, world))
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert response.status_code in {302, 405}, (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (method, url)
    assert snapshot() == before


def test_plain_users_are_refused_everywhere_and_change_nothing(world):
    client = _client(world["people"][Role.USER])
    before = snapshot()
    for route in page_routes():
        if PUBLIC.match(route) or route.startswith("accounts/password/change"):
            continue
        url = _url(route, _page_params(route, world))
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in {403, 404, 405}, (method, url, status)
    assert snapshot() == before


def _confirmed_password(client: Client, user: Any) -> Client:
    """A session whose password was typed a moment ago, as after signing in through the form:
    allauth's pages that change a second step then answer for the object, not with "confirm
    your password first" (which they ask of everyone alike, whatever the object)."""
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def test_another_partners_admin_gets_404_for_every_object_and_changes_nothing(world):
    client = _confirmed_password(_client(world["stranger"]), world["stranger"])
    before = snapshot()
    checked = 0
    for route in page_routes():
        params = _page_params(route, world)
        # Names, not objects: an analytics section, an export format, an alert rule's kind (each
        # partner has its own rule of each kind: the caller's partner's is the one changed).
        if (
            not params
            or GLOBAL_OBJECT_ROUTES.match(route)
            or set(params) <= {"section", "fmt", "kind"}
        ):
            continue
        if route.startswith(
            "accounts/tokens/"
        ):  # a person's own tokens: revoking another's is a no-op
            continue
        url = _url(route, params)
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        assert set(statuses.values()) <= {404, 405}, (url, statuses)
        assert 404 in statuses.values(), (url, statuses)
        checked += 1
    assert checked > 20
    assert snapshot() == before


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.USER])
def test_no_page_fails_for_any_partner_role(world, role):
    client = _client(world["people"][role])
    for route in page_routes():
        if route.startswith("accounts/logout") or "download" in route or "attachments" in route:
            continue
        url = _url(route, _page_params(route, world))
        status = client.get(url).status_code
        assert status < 500, (role, url, status)


def test_readonly_admin_cannot_change_customers_through_any_page(world):
    client = _client(world["people"][Role.PARTNER_READONLY_ADMIN])
    before = snapshot()
    for route in page_routes():
        # Their own tokens, saved filters, password and helpdesk cases are theirs to change.
        if route.startswith(("accounts/", "helpdesk/", "customers/-/filters", "resources/")):
            continue
        url = _url(route, _page_params(route, world))
        status = client.post(url).status_code
        assert status in {403, 404, 405, 200, 302}, (url, status)
    after = snapshot()
    changed = {label for label in before if before[label] != after[label]}
    # Exports of the list are theirs too (a read, stored as a file); reading the alert rules
    # the first time writes the partner's default rules (docs/reference/events.md).
    assert changed <= {"customers.CustomerExport", "alerts.AlertRule"}, changed


def test_the_helpdesk_team_sees_no_partner_pages(world):
    client = _client(world["helpdesk"])
    for route in page_routes():
        if PUBLIC.match(route) or route.startswith(("helpdesk/", "accounts/")):
            continue
        if route.startswith(("security/two-step/", "security/confirm/")):
            continue  # their own two-step sign-in (tests/test_twostep.py)
        url = _url(route, _page_params(route, world))
        status = client.get(url).status_code
        assert status in {403, 404, 405}, (url, status)
    assert client.get("/security/two-step/").status_code == 200


# --- The API ------------------------------------------------------------------------------------

API_PREFIX = "/api/v1"
# Operations anyone may call.
API_PUBLIC = {("get", "/openapi.json"), ("get", "/docs")}


def api_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI document, path without /api/v1."""
    schema = api.get_openapi_schema()
    return [
        (method, path.removeprefix(API_PREFIX))
        for path, ops in schema["paths"].items()
        for method in ops
    ]


def _api_request(path: str, method: str, w: dict[str, Any]) -> tuple[str, Any, str]:
    """The URL, a valid-looking body and its content type for an operation on `w`'s objects."""
    customer, sub, prov, trial = w["customer"], w["sub"], w["prov"], w["trial"]
    values = {
        "customer_id": customer.ext_id,
        "trial_id": trial.ext_id,
        "subscription_id": prov.ext_id,
        "email": w["colleague"].email,
        "id": w["case"].number,
    }
    if path.startswith("/jobs/"):
        values["id"] = w["job"].public_id
    if path.startswith("/sessions/"):
        values["id"] = str(w["browser_session"].pk)
    if path.startswith("/alerts/"):
        values["id"] = w["alert"].public_id
    values["kind"] = "trial_expiring"
    if path.startswith("/webhooks/"):
        values["id"] = w["endpoint"].public_id
        values["did"] = str(w["delivery"].pk)
    url = API_PREFIX + re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    for name in re.findall(r"\{(\w+)\}", path):
        assert name in values, f"the matrix cannot fill {{{name}}} of {path}: add it here"
    bodies: dict[tuple[str, str], Any] = {
        ("post", "/users"): {
            "email": "new.person@northwind.example",
            "name": "New",
            "role": "sales_admin",
        },
        ("put", "/users/{email}/role"): {"role": "sales_full_admin"},
        ("put", "/security"): {"require_two_step": True},
        ("post", "/customers/{customer_id}/admins"): {"email": w["colleague"].email},
        ("put", "/customers/{customer_id}/tags"): {"tags": ["vip"]},
        ("post", "/trials"): {
            "customer_id": customer.ext_id,
            "lines": [{"product": "calling", "licenses": 5}],
            "days": 30,
        },
        ("post", "/orders"): {
            "id": "O-MATRIX",
            "subscription": sub.ext_id,
            "subscription_id": sub.ext_id,
            "customer_id": customer.ext_id,
            "date": "2026-11-26",
            "action": "change",
            "lines": [{"product": "calling", "licenses": 20}],
        },
        ("post", "/subscriptions/{subscription_id}/setup"): {},
        ("post", "/customers/{customer_id}/org/users"): {
            "email": "new.user@contoso.example",
            "name": "New",
        },
        ("post", "/customers/{customer_id}/org/assignments"): {
            "item_id": sub.ext_id,
            "product": "calling",
            "user_ids": [w["customer_user"].ext_id],
            "confirm_overage": True,
        },
        ("post", "/org/setup"): {"accept_terms": True},
        ("post", "/org/people"): {
            "email": "new.colleague@northwind.example",
            "name": "N",
            "role": "sales_admin",
        },
        ("post", "/helpdesk/cases"): {
            "area": "calling",
            "severity": 3,
            "subject": "Help",
            "description": "Please",
            "customer_id": customer.ext_id,
        },
        ("post", "/helpdesk/cases/{id}/comments"): {"body": "More"},
        ("post", "/webhooks"): {"url": "https://hooks.example.com/x", "events": ["*"]},
        ("patch", "/webhooks/{id}"): {"description": "x"},
        ("post", "/alerts/{id}/snooze"): {"until": "2026-12-31"},
        ("post", "/alerts/{id}/assign"): {"email": w["colleague"].email},
        ("post", "/alerts/{id}/comments"): {"body": "Looking"},
        ("patch", "/alert-rules/{kind}"): {"threshold": 10},
    }
    if (method, path) == ("post", "/ingest"):
        line = {
            "kind": "call_queue",
            "id": "Q-MATRIX",
            "customer": customer.ext_id,
            "name": "Sales",
        }
        return url, json.dumps(line) + "\n", "application/x-ndjson"
    if (method, path) == ("delete", "/customers/{customer_id}/org/assignments"):
        url += f"?item_id={sub.ext_id}&product=calling&user_id={w['customer_user'].ext_id}"
    if (
        method in {"post", "put", "patch"}
        and (method, path) not in bodies
        and not path.endswith(
            (
                "/extend",
                "/end",
                "/deactivate",
                "/reactivate",
                "/rotate-secret",
                "/test",
                "/retry",
                "/acknowledge",
                "/resolve",
                "/two-step/reset",
            )
        )
    ):
        raise AssertionError(f"the matrix has no body for {method.upper()} {path}: add one here")
    return url, json.dumps(bodies.get((method, path), {})), "application/json"


def _call(client: Client, method: str, url: str, body: str, content_type: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=body, content_type=content_type)


def test_every_api_operation_is_reachable_by_the_matrix(world):
    operations = api_operations()
    assert len(operations) > 30
    for method, path in operations:
        _api_request(path, method, world)


def test_the_api_answers_401_without_a_token_and_changes_nothing(world):
    before = snapshot()
    for method, path in api_operations():
        if (method, path) in API_PUBLIC:
            continue
        url, body, ctype = _api_request(path, method, world)
        response = _call(Client(), method, url, body, ctype)
        assert response.status_code == 401, (method, url, response.status_code)
        assert "detail" in response.json()
    assert snapshot() == before


def test_the_api_refuses_plain_users_and_changes_nothing(world):
    client = api_client_for(world["people"][Role.USER])
    before = snapshot()
    for method, path in api_operations():
        if (method, path) in API_PUBLIC or path == "/me":
            continue
        url, body, ctype = _api_request(path, method, world)
        status = _call(client, method, url, body, ctype).status_code
        assert status in {403, 404}, (method, url, status)
    assert snapshot() == before


def test_the_api_answers_404_for_another_partners_objects_and_changes_nothing(world):
    client = api_client_for(world["stranger"])
    before = snapshot()
    checked = 0
    for method, path in api_operations():
        url, body, ctype = _api_request(path, method, world)
        names_an_object = "{" in path or (method, path) in {
            ("post", "/trials"),
            ("post", "/orders"),
            ("post", "/helpdesk/cases"),
        }
        if not names_an_object or path.startswith(("/users/", "/org/", "/alert-rules/")):
            continue
        status = _call(client, method, url, body, ctype).status_code
        assert status == 404, (method, url, status)
        checked += 1
    # Ingest names the other partner's customer on a line: a bad line (422), nothing written.
    url, body, ctype = _api_request("/ingest", "post", world)
    assert _call(client, "post", url, body, ctype).status_code == 422
    assert checked >= 15
    assert snapshot() == before


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.USER])
def test_no_api_read_fails_for_any_partner_role(world, role):
    client = api_client_for(world["people"][role])
    for method, path in api_operations():
        if method != "get":
            continue
        url, _body, _ctype = _api_request(path, method, world)
        status = client.get(url).status_code
        assert status < 500 and status != 401, (role, url, status)


# --- External administrators ------------------------------------------------------------------
# A person of another partner who is an external administrator of the world's customer works
# only inside its organization, within their role's rights; orders, set-ups, trials, the
# customer's partner administrators (and its commercial data) stay the managing partner's: 403.
# docs/reference/external-administrators.md. Each row: the roles that may (anyone else: 403).

ADMIN_ROLES = [r.value for r in Role if r != Role.USER]
READERS = set(ADMIN_ROLES)
MANAGERS = {Role.PARTNER_FULL_ADMIN.value, Role.SALES_FULL_ADMIN.value, Role.SALES_ADMIN.value}
NOBODY: set[str] = set()

EXTERNAL_API: dict[tuple[str, str], set[str]] = {
    ("get", "/customers/{customer_id}"): READERS,
    ("put", "/customers/{customer_id}/tags"): MANAGERS,
    ("post", "/customers/{customer_id}/admins"): NOBODY,
    ("delete", "/customers/{customer_id}/admins/{email}"): NOBODY,
    ("post", "/trials"): NOBODY,
    ("post", "/trials/{trial_id}/extend"): NOBODY,
    ("post", "/trials/{trial_id}/end"): NOBODY,
    ("post", "/orders"): NOBODY,
    ("post", "/subscriptions/{subscription_id}/setup"): NOBODY,
    ("get", "/customers/{customer_id}/org/users"): READERS,
    ("post", "/customers/{customer_id}/org/users"): MANAGERS,
    ("get", "/customers/{customer_id}/org/licenses"): READERS,
    # The user holds the license: unassigned first, then assigned again (ordered calls).
    ("delete", "/customers/{customer_id}/org/assignments"): MANAGERS,
    ("post", "/customers/{customer_id}/org/assignments"): MANAGERS,
    ("post", "/helpdesk/cases"): READERS,
}
EXTERNAL_PAGES: dict[tuple[str, str], set[str]] = {
    ("get", "customers/<str:ext_id>/"): READERS,
    ("post", "customers/<str:ext_id>/admins/add/"): NOBODY,
    ("post", "customers/<str:ext_id>/admins/remove/"): NOBODY,
    # Invoices are the managing partner's commercial data (Action.VIEW_COMMERCIAL).
    ("get", "customers/<str:ext_id>/invoices/<int:pk>/"): NOBODY,
    ("get", "customers/<str:ext_id>/invoices/<int:pk>/print/"): NOBODY,
    ("post", "tags/customer/<str:ext_id>/add/"): MANAGERS,
    ("get", "trials/<str:ext_id>/"): READERS,
    ("get", "trials/<str:ext_id>/extend/"): NOBODY,
    ("post", "trials/<str:ext_id>/extend/"): NOBODY,
    ("get", "trials/<str:ext_id>/end/"): NOBODY,
    ("post", "trials/<str:ext_id>/end/"): NOBODY,
    ("get", "subscriptions/<str:ext_id>/setup/"): NOBODY,
    ("post", "subscriptions/<str:ext_id>/setup/"): NOBODY,
    ("get", "org/customers/<str:ext_id>/"): READERS,
    ("get", "org/customers/<str:ext_id>/users/"): READERS,
    ("post", "org/customers/<str:ext_id>/users/add/"): MANAGERS,
    ("get", "org/customers/<str:ext_id>/licenses/<str:item_id>/<str:product>/"): READERS,
    ("post", "org/customers/<str:ext_id>/licenses/<str:item_id>/<str:product>/change/"): MANAGERS,
}
# The tag is the managing partner's, so removing it answers 404 (tags are per partner).
EXTERNAL_PAGES_ELSEWHERE = {"tags/customer/<str:ext_id>/<int:pk>/remove/"}


def _names_the_customer(method: str, path: str) -> bool:
    return bool(re.search(r"\{(customer_id|trial_id|subscription_id)\}", path)) or (
        method,
        path,
    ) in {("post", "/trials"), ("post", "/orders"), ("post", "/helpdesk/cases")}


@pytest.fixture
def external_admin(world, other_partner, request):
    """A person of the other partner, in the parametrized role, external admin of the customer."""
    from partnerhub.customers.models import ExternalAdmin

    person = UserFactory(partner=other_partner, role=request.param, email="ext@fabrikam.example")
    ExternalAdmin.objects.create(customer=world["customer"], user=person)
    return person


def test_the_external_tables_cover_every_operation_and_page_on_the_customer(world):
    assert {(m, p) for m, p in api_operations() if _names_the_customer(m, p)} == set(EXTERNAL_API)
    customer_routes = {
        r
        for r in page_routes()
        if "<str:ext_id>" in r and not r.startswith(("helpdesk/", "accounts/"))
    }
    assert customer_routes == {r for _m, r in EXTERNAL_PAGES} | EXTERNAL_PAGES_ELSEWHERE


@pytest.mark.parametrize("external_admin", ADMIN_ROLES, indirect=True)
def test_an_external_admin_uses_the_api_only_inside_the_organization(world, external_admin):
    client = api_client_for(external_admin)
    role = external_admin.role
    ordered = sorted(EXTERNAL_API.items(), key=lambda row: role in row[1])  # refusals first
    before = snapshot()
    for (method, path), allowed in ordered:
        if role in allowed and before is not None:
            # Every refusal so far changed nothing.
            assert snapshot() == before, role
            before = None
        url, body, ctype = _api_request(path, method, world)
        status = _call(client, method, url, body, ctype).status_code
        if role in allowed:
            assert status < 400, (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)
    if before is not None:
        assert snapshot() == before, role


@pytest.mark.parametrize("external_admin", ADMIN_ROLES, indirect=True)
def test_an_external_admin_uses_the_pages_only_inside_the_organization(world, external_admin):
    client = _client(external_admin)
    role = external_admin.role
    ordered = sorted(EXTERNAL_PAGES.items(), key=lambda row: role in row[1])  # refusals first
    before = snapshot()
    for (method, route), allowed in ordered:
        if role in allowed and before is not None:
            assert snapshot() == before, role
            before = None
        url = _url(route, _page_params(route, world))
        status = getattr(client, method)(url).status_code
        if role in allowed:
            assert status < 400, (role, method, route, status)
        else:
            assert status == 403, (role, method, route, status)
    if before is not None:
        assert snapshot() == before, role
