"""REST API of customers (docs/reference/api.md#customers): list, details, partner admins, audit."""

from __future__ import annotations

from typing import Any

import pytest

from partnerhub.core.choices import Role
from partnerhub.core.models import AuditEvent
from partnerhub.customers.models import CustomerManager
from tests.customers_factories import InvoiceFactory, OrderFactory, assign, day, login_on, tag
from tests.factories import (
    CustomerFactory,
    CustomerManagerFactory,
    ExternalAdminFactory,
    ItemFactory,
    UsageDayFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(partner: Any, other_partner: Any, full_admin: Any) -> dict[str, Any]:
    alpha = CustomerFactory(partner=partner, name="Alpha", ext_id="A")
    sub = ItemFactory(customer=alpha, ext_id="Sub-1", end=day(10), lines={"calling": 2})
    assign(sub, 3)
    login_on(alpha, -1)
    tag(alpha, "gold")
    tag(alpha, "emea")
    beta = CustomerFactory(partner=partner, name="Beta", ext_id="B")
    ItemFactory(customer=beta, ext_id="T-1", is_trial=True, end=day(60), lines={"meetings": 5})
    tag(beta, "gold")
    ext = CustomerFactory(partner=other_partner, name="Omega", ext_id="O")
    ItemFactory(customer=ext, ext_id="Sub-9", state="suspended", end=day(100), auto_renew=True)
    ExternalAdminFactory(customer=ext, user=full_admin)
    return {"alpha": alpha, "beta": beta, "ext": ext}


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


def test_the_list_answers_count_and_items_with_the_contract_keys(
    full_admin: Any, data: Any, api_client: Any
) -> None:
    body = api_client(full_admin).get("/api/v1/customers").json()
    assert body["count"] == 3
    assert body["items"][0] == {
        "id": "A",
        "name": "Alpha",
        "statuses": ["license_overage", "expiring_soon", "subscription"],
        "products": ["calling"],
        "tags": ["emea", "gold"],
        "managed_by": "partner",
        "created": "2025-01-01",
        "starts": None,
    }
    assert body["items"][2]["managed_by"] == "external"
    assert body["items"][2]["statuses"] == ["suspended", "no_recent_activity", "subscription"]


def test_the_list_filters_like_the_query_box(full_admin: Any, data: Any, api_client: Any) -> None:
    client = api_client(full_admin)
    assert ids(client.get("/api/v1/customers?q=ALP")) == ["A"]
    assert ids(client.get("/api/v1/customers?status=suspended&status=trial")) == ["B", "O"]
    assert ids(client.get("/api/v1/customers?product=meetings&product=calling")) == ["A", "B"]
    assert ids(client.get("/api/v1/customers?subscription_type=trial")) == ["B"]
    assert ids(client.get("/api/v1/customers?managed_by=external")) == ["O"]
    assert ids(client.get("/api/v1/customers?tag=gold&tag=EMEA")) == ["A"]
    assert ids(client.get("/api/v1/customers?tag=gold")) == ["A", "B"]
    assert ids(client.get("/api/v1/customers?sort=-name")) == ["O", "B", "A"]
    assert ids(client.get("/api/v1/customers?sort=status")) == ["O", "A", "B"]


def test_the_list_pages(full_admin: Any, data: Any, api_client: Any) -> None:
    body = api_client(full_admin).get("/api/v1/customers?page=2&page_size=2").json()
    assert body["count"] == 3 and [c["id"] for c in body["items"]] == ["O"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=soon", "status"),
        ("product=fax", "product"),
        ("subscription_type=both", "subscription_type"),
        ("managed_by=me", "managed_by"),
        ("sort=password", "sort"),
        ("page_size=501", "page_size"),
        ("page=0", "page"),
        ("as_of=26-11-2026", "as_of"),
    ],
)
def test_bad_filters_answer_422_naming_the_field(
    full_admin: Any, api_client: Any, query: str, field: str
) -> None:
    response = api_client(full_admin).get(f"/api/v1/customers?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_as_of_moves_the_statuses(full_admin: Any, data: Any, api_client: Any) -> None:
    # Sub-1 ends on 2026-12-06; the sign-in of 2026-11-25 is still recent on 2026-12-07.
    client = api_client(full_admin)
    items = client.get("/api/v1/customers?as_of=2026-12-06&q=alpha").json()["items"]
    assert items[0]["statuses"] == ["license_overage", "expiring_soon", "subscription"]
    items = client.get("/api/v1/customers?as_of=2026-12-07&q=alpha").json()["items"]
    assert items[0]["statuses"] == ["expired"]


def test_one_customer_with_subscriptions_trials_and_admins(
    full_admin: Any, people: Any, data: Any, api_client: Any
) -> None:
    sub = data["alpha"].items.get()
    InvoiceFactory(item=sub, ext_id="INV-1", amount="99.50", status="open")
    OrderFactory(item=sub, ext_id="ORD-1")
    used = sub.assignments.first()
    UsageDayFactory(user=used.user, product="calling", day=day(-3))
    CustomerManagerFactory(customer=data["alpha"], user=people[Role.SALES_ADMIN])
    body = api_client(full_admin).get("/api/v1/customers/A").json()
    assert body["statuses"] == ["license_overage", "expiring_soon", "subscription"]
    assert body["status_reasons"]["expiring_soon"] == ["Sub-1 ends in 10 days"]
    assert body["subscriptions"][0]["lines"] == [
        {"product": "calling", "licenses": 2, "assigned": 3, "used": 1, "available": 0}
    ]
    assert body["subscriptions"][0]["invoices"][0] == {
        "id": "INV-1",
        "date": "2026-01-05",
        "amount": "99.50",
        "currency": "EUR",
        "status": "open",
    }
    assert body["subscriptions"][0]["orders"][0]["id"] == "ORD-1"
    assert body["partner_admins"] == [
        {
            "email": "sales_admin@northwind.example",
            "name": people[Role.SALES_ADMIN].name,
            "role": "sales_admin",
        }
    ]
    trial = api_client(full_admin).get("/api/v1/customers/B").json()["trials"][0]
    assert (trial["id"], trial["days_left"], trial["state"]) == ("T-1", 60, "active")


def test_customers_out_of_scope_answer_404(
    people: Any, stranger: Any, data: Any, api_client: Any
) -> None:
    assert api_client(stranger).get("/api/v1/customers/A").status_code == 404
    # The stranger's partner owns only Omega.
    assert ids(api_client(stranger).get("/api/v1/customers")) == ["O"]
    sales = people[Role.SALES_ADMIN]
    assert api_client(sales).get("/api/v1/customers/A").status_code == 404
    CustomerManagerFactory(customer=data["alpha"], user=sales)
    assert ids(api_client(sales).get("/api/v1/customers")) == ["A"]


def test_a_person_without_an_admin_role_is_forbidden(
    people: Any, data: Any, api_client: Any
) -> None:
    assert api_client(people[Role.USER]).get("/api/v1/customers").status_code == 403


def test_no_token_is_401(data: Any, client: Any) -> None:
    assert client.get("/api/v1/customers").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_FULL_ADMIN, 201),
        (Role.SALES_FULL_ADMIN, 201),
        (Role.SALES_ADMIN, 403),
        (Role.PARTNER_READONLY_ADMIN, 403),
        (Role.USER, 404),
    ],
)
def test_who_may_assign_partner_admins_through_the_api(
    role: str, status: int, people: Any, data: Any, api_client: Any
) -> None:
    actor = people[role]
    if role == Role.SALES_ADMIN:
        CustomerManagerFactory(customer=data["alpha"], user=actor)
    before = CustomerManager.objects.count()
    target = people[Role.PARTNER_READONLY_ADMIN]
    response = api_client(actor).post(
        "/api/v1/customers/A/admins", {"email": target.email}, content_type="application/json"
    )
    assert response.status_code == status
    if status == 201:
        assert response.json() == {
            "email": target.email,
            "name": target.name,
            "role": "partner_readonly_admin",
        }
        again = api_client(actor).post(
            "/api/v1/customers/A/admins", {"email": target.email}, content_type="application/json"
        )
        assert again.status_code == 200
        assert CustomerManager.objects.count() == before + 1
    else:
        assert CustomerManager.objects.count() == before


def test_assigning_a_person_without_a_partner_role_is_422(
    full_admin: Any, people: Any, data: Any, api_client: Any
) -> None:
    response = api_client(full_admin).post(
        "/api/v1/customers/A/admins",
        {"email": people[Role.USER].email},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    missing = api_client(full_admin).post(
        "/api/v1/customers/A/admins", {}, content_type="application/json"
    )
    assert missing.status_code == 422
    assert not CustomerManager.objects.exists()


def test_partner_admins_cannot_be_assigned_on_an_external_customer(
    full_admin: Any, people: Any, data: Any, api_client: Any
) -> None:
    response = api_client(full_admin).post(
        "/api/v1/customers/O/admins",
        {"email": people[Role.SALES_ADMIN].email},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not CustomerManager.objects.exists()


def test_removing_a_partner_admin_through_the_api(
    full_admin: Any, people: Any, data: Any, api_client: Any
) -> None:
    sales = people[Role.SALES_ADMIN]
    CustomerManagerFactory(customer=data["alpha"], user=sales)
    readonly = api_client(people[Role.PARTNER_READONLY_ADMIN])
    assert readonly.delete(f"/api/v1/customers/A/admins/{sales.email}").status_code == 403
    assert CustomerManager.objects.count() == 1
    client = api_client(full_admin)
    assert client.delete(f"/api/v1/customers/A/admins/{sales.email}").status_code == 204
    assert client.delete(f"/api/v1/customers/A/admins/{sales.email}").status_code == 404
    event = AuditEvent.objects.get(action="customer.admin.remove")
    assert event.before == {"partner_admins": [sales.email]} and event.after == {
        "partner_admins": []
    }


def test_the_audit_trail_is_the_partners_own(
    full_admin: Any, people: Any, stranger: Any, data: Any, api_client: Any
) -> None:
    client = api_client(full_admin)
    client.put("/api/v1/customers/A/tags", {"tags": ["x"]}, content_type="application/json")
    client.put("/api/v1/customers/B/tags", {"tags": ["y"]}, content_type="application/json")
    body = client.get("/api/v1/audit").json()
    assert body["count"] == 2
    assert {e["customer_id"] for e in body["items"]} == {"A", "B"}
    only_a = client.get("/api/v1/audit?customer_id=A").json()
    assert [e["customer_id"] for e in only_a["items"]] == ["A"]
    assert only_a["items"][0]["before"] == {"tags": ["emea", "gold"]}
    assert only_a["items"][0]["actor"] == full_admin.email
    assert api_client(stranger).get("/api/v1/audit").json()["count"] == 0
    assert api_client(stranger).get("/api/v1/audit?customer_id=A").status_code == 404
    sales = people[Role.SALES_ADMIN]
    CustomerManagerFactory(customer=data["beta"], user=sales)
    sales_view = api_client(sales).get("/api/v1/audit").json()
    assert [e["customer_id"] for e in sales_view["items"]] == ["B"]
    assert api_client(people[Role.USER]).get("/api/v1/audit").status_code == 403


def test_the_openapi_document_lists_every_path_of_the_contract(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/tags",
        "/api/v1/customers/{customer_id}/admins",
        "/api/v1/customers/{customer_id}/admins/{email}",
        "/api/v1/tags",
        "/api/v1/admins",
        "/api/v1/users/{email}/role",
        "/api/v1/audit",
    ]:
        assert path in paths, path


def test_a_scheduled_customer_answers_no_status_and_its_start(
    full_admin: Any, api_client: Any
) -> None:
    later = CustomerFactory(partner=full_admin.partner, name="Later", ext_id="L")
    ItemFactory(customer=later, ext_id="Sub-L", start=day(21), end=day(386))
    body = api_client(full_admin).get("/api/v1/customers").json()
    item = next(i for i in body["items"] if i["id"] == "L")
    assert item["statuses"] == ["no_recent_activity"]  # created 2025: old enough, never signed in
    assert item["starts"] == day(21).isoformat()
