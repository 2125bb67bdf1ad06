"""Issue 13, point 6: another partner's external administrator attacks the managing partner.

Partner A's person is an external administrator of partner B's customer. The security review
found that they could cancel B's subscription, start trials for it, and read B's staff list and
invoice amounts. Now they work only inside the customer's organization (users, licenses), within
their role's rights; everything else is refused (403: the customer is in their scope) and the
database is left exactly as it was (docs/reference/external-administrators.md).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from partnerhub.customers.models import CustomerManager, ExternalAdmin
from partnerhub.subscriptions.models import Assignment, Item
from partnerhub.subscriptions.order_services import (
    OrderDetails,
    order_cancel,
    order_change,
    order_new,
    order_renew,
)
from partnerhub.subscriptions.services import subscription_setup
from partnerhub.tags.models import Tag
from partnerhub.trials.services import trial_end, trial_extend, trial_start
from tests.conftest import api_client_for
from tests.customers_factories import InvoiceFactory, OrderFactory
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    CustomerUserFactory,
    D,
    ItemFactory,
    UserFactory,
)
from tests.reliability.test_isolation_matrix import snapshot

pytestmark = pytest.mark.django_db

# B's commercial data and staff: none of these may reach partner A's external administrator.
INVOICE_ID, INVOICE_AMOUNT = "INV-B-777", "98765.43"
ORDER_ID, ORDER_AMOUNT = "ORD-B-555", "43210.99"
B_STAFF_EMAIL, B_STAFF_NAME = "bea.sales@fabrikam.example", "Bea Salesperson"
SECRETS = (INVOICE_ID, INVOICE_AMOUNT, ORDER_ID, ORDER_AMOUNT, B_STAFF_EMAIL, B_STAFF_NAME)
# Pages show amounts grouped as a person reads them.
SHOWN_AMOUNTS = ("98,765.43", "43,210.99")


@pytest.fixture
def b(other_partner: Any, stranger: Any) -> dict[str, Any]:
    """Partner B's customer: an active subscription with an order and an invoice, one waiting
    for set-up, a trial in force, a user holding a license, and B's staff assigned to it."""
    customer = CustomerFactory(partner=other_partner, ext_id="C-B-1", name="Contoso B")
    sub = ItemFactory(
        customer=customer,
        ext_id="Sub-B-1",
        start=dt.date(2026, 1, 1),
        end=dt.date(2027, 6, 30),
        lines={"calling": 10},
    )
    OrderFactory(item=sub, ext_id=ORDER_ID, amount=ORDER_AMOUNT)
    InvoiceFactory(item=sub, ext_id=INVOICE_ID, amount=INVOICE_AMOUNT)
    prov = ItemFactory(
        customer=customer, ext_id="Sub-B-2", state="provisioning", lines={"meetings": 5}
    )
    trial = ItemFactory(
        customer=customer,
        ext_id="Trial-B-1",
        is_trial=True,
        start=D - dt.timedelta(days=10),
        end=D + dt.timedelta(days=20),
        lines={"meetings": 5},
    )
    holder = CustomerUserFactory(customer=customer, ext_id="U-B-1")
    AssignmentFactory(user=holder, item=sub, product="calling")
    newcomer = CustomerUserFactory(customer=customer, ext_id="U-B-2")
    staff = UserFactory(
        partner=other_partner, role="sales_admin", email=B_STAFF_EMAIL, name=B_STAFF_NAME
    )
    CustomerManager.objects.create(customer=customer, user=staff)
    return {
        "customer": customer,
        "sub": sub,
        "prov": prov,
        "trial": trial,
        "newcomer": newcomer,
        "boss": stranger,
    }


@pytest.fixture
def attacker(people: Any, b: dict[str, Any]) -> Any:
    """Partner A's full administrator, an external administrator of B's customer."""
    person = people["partner_full_admin"]
    ExternalAdmin.objects.create(customer=b["customer"], user=person)
    return person


@pytest.fixture
def attacker_api(attacker: Any) -> Client:
    """An API client with a token of the attacker (made before the test takes its snapshot)."""
    return api_client_for(attacker)


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def _statuses(b: dict[str, Any]) -> list[str]:
    """The customer's statuses as B's own administrator sees them."""
    answer = api_client_for(b["boss"]).get(f"/api/v1/customers/{b['customer'].ext_id}")
    assert answer.status_code == 200
    return answer.json()["statuses"]


# --- The attacks of the review: refused, nothing changed --------------------------------------


@pytest.mark.parametrize("with_customer_id", [True, False])
def test_an_external_admin_cannot_cancel_the_managing_partners_subscription(
    attacker_api: Client, b: dict[str, Any], with_customer_id: bool
) -> None:
    # Given B's active subscription, and the world as it is
    statuses = _statuses(b)
    before = snapshot()
    body = {"id": "ORD-EVIL-1", "action": "cancel", "subscription_id": b["sub"].ext_id}
    if with_customer_id:
        body["customer_id"] = b["customer"].ext_id

    # When A's external administrator orders its cancellation
    response = _post(attacker_api, "/orders", body)

    # Then it is forbidden, and the subscription, the customer and every table are unchanged
    assert response.status_code == 403
    assert snapshot() == before
    assert Item.objects.get(pk=b["sub"].pk).state == "active"
    assert "expired" not in _statuses(b)
    assert _statuses(b) == statuses


@pytest.mark.parametrize(
    "order",
    [
        {"action": "new", "end": "2027-11-30", "lines": [{"product": "calling", "licenses": 9}]},
        {
            "action": "change",
            "subscription_id": "Sub-B-1",
            "lines": [{"product": "calling", "licenses": 1}],
        },
        {"action": "renewal", "subscription_id": "Sub-B-1", "end": "2030-01-01"},
    ],
    ids=["new", "change", "renewal"],
)
def test_an_external_admin_cannot_place_any_order_for_the_customer(
    attacker_api: Client, b: dict[str, Any], order: dict[str, Any]
) -> None:
    before = snapshot()
    body = {"id": "ORD-EVIL-2", "customer_id": b["customer"].ext_id, **order}

    response = _post(attacker_api, "/orders", body)

    assert response.status_code == 403
    assert snapshot() == before


def test_an_external_admin_cannot_start_a_trial_for_the_customer(
    attacker_api: Client, b: dict[str, Any]
) -> None:
    # Given B's customer whose trial has ended (so only the policy can refuse a new one)
    Item.objects.filter(pk=b["trial"].pk).update(state="ended", end=D - dt.timedelta(days=1))
    before = snapshot()

    # When A's external administrator starts a trial for it
    response = _post(
        attacker_api,
        "/trials",
        {
            "customer_id": b["customer"].ext_id,
            "lines": [{"product": "calling", "licenses": 50}],
            "days": 90,
        },
    )

    # Then it is forbidden and nothing was written
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("verb", ["extend", "end"])
def test_an_external_admin_cannot_extend_or_end_the_customers_trial(
    attacker_api: Client, b: dict[str, Any], verb: str
) -> None:
    before = snapshot()

    response = _post(attacker_api, f"/trials/{b['trial'].ext_id}/{verb}")

    assert response.status_code == 403
    assert snapshot() == before


def test_an_external_admin_cannot_set_up_the_managing_partners_order(
    attacker_api: Client, b: dict[str, Any]
) -> None:
    before = snapshot()

    response = _post(attacker_api, f"/subscriptions/{b['prov'].ext_id}/setup")

    assert response.status_code == 403
    assert snapshot() == before
    assert Item.objects.get(pk=b["prov"].pk).state == "provisioning"


def test_an_external_admin_cannot_assign_or_remove_the_customers_partner_admins(
    attacker_api: Client, people: Any, b: dict[str, Any]
) -> None:
    path = f"/customers/{b['customer'].ext_id}/admins"
    before = snapshot()

    added = _post(attacker_api, path, {"email": people["sales_admin"].email})
    removed = attacker_api.delete(f"/api/v1{path}/{B_STAFF_EMAIL}")

    assert (added.status_code, removed.status_code) == (403, 403)
    assert snapshot() == before


def test_no_entry_point_can_skip_the_policy_the_services_refuse_too(
    attacker: Any, b: dict[str, Any]
) -> None:
    # Given the services called directly, as a new page or script might
    before = snapshot()
    calls = [
        lambda: order_cancel(actor=attacker, subscription=b["sub"]),
        lambda: order_change(
            actor=attacker, subscription=b["sub"], details=OrderDetails(lines={"calling": 5})
        ),
        lambda: order_renew(actor=attacker, subscription=b["sub"]),
        lambda: order_new(
            actor=attacker,
            customer=b["customer"],
            end=dt.date(2027, 12, 31),
            details=OrderDetails(lines={"calling": 5}),
        ),
        lambda: subscription_setup(actor=attacker, subscription=b["prov"]),
        lambda: trial_start(actor=attacker, customer=b["customer"], lines={"calling": 5}),
        lambda: trial_extend(actor=attacker, trial=b["trial"]),
        lambda: trial_end(actor=attacker, trial=b["trial"]),
    ]

    # Then each one is refused and nothing changed
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert snapshot() == before


# --- What the external administrator reads ------------------------------------------------------


def test_the_customer_answer_holds_no_staff_and_no_invoice_amounts_of_the_managing_partner(
    attacker: Any, b: dict[str, Any]
) -> None:
    # Given the managing partner sees its staff, orders and invoices (the data exists)
    path = f"/api/v1/customers/{b['customer'].ext_id}"
    own = api_client_for(b["boss"]).get(path)
    assert all(secret in own.content.decode() for secret in SECRETS)
    assert own.json()["withheld"] == []

    # When A's external administrator reads the same customer
    response = api_client_for(attacker).get(path)

    # Then the customer, its subscriptions and licenses are there, but none of B's data
    assert response.status_code == 200
    body = response.json()
    assert body["managed_by"] == "external"
    assert body["partner_admins"] == []
    assert {s["id"] for s in body["subscriptions"]} == {"Sub-B-1", "Sub-B-2"}
    assert all(s["orders"] == [] and s["invoices"] == [] for s in body["subscriptions"])
    assert body["subscriptions"][0]["lines"]
    assert set(body["withheld"]) == {
        "subscriptions[].orders",
        "subscriptions[].invoices",
        "partner_admins",
    }
    text = response.content.decode()
    assert not [secret for secret in SECRETS if secret in text]


def _page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_details_pages_show_no_staff_no_invoices_and_no_forbidden_buttons(
    attacker: Any, b: dict[str, Any]
) -> None:
    # Given the managing partner's own view shows the tab, the invoices and the buttons
    url = reverse("customers:detail", args=[b["customer"].ext_id])
    boss = Client()
    boss.force_login(b["boss"])
    assert 'data-tab="admins"' in _page(boss, url)
    assert all(a in _page(boss, url + "?tab=subscriptions") for a in SHOWN_AMOUNTS)
    assert B_STAFF_EMAIL in _page(boss, url + "?tab=admins")
    assert 'data-testid="extend-trial"' in _page(boss, url + "?tab=trials")

    # When A's external administrator opens every tab (whole pages and HTMX fragments)
    client = Client()
    client.force_login(attacker)
    pages = {
        tab: _page(client, f"{url}?tab={tab}")
        for tab in ("overview", "subscriptions", "trials", "admins", "activity")
    }
    pages["admins (htmx)"] = _page(client, url + "?tab=admins", HX_Request="true")

    # Then no page holds B's staff or commercial data, and no tab lists B's staff
    for tab, html in pages.items():
        assert not [secret for secret in (*SECRETS, *SHOWN_AMOUNTS) if secret in html], tab
        assert 'data-tab="admins"' not in html, tab
        assert 'data-testid="partner-admins"' not in html, tab
        assert 'data-testid="start-trial"' not in html, tab
    # … a request for the staff tab shows the overview instead
    assert 'data-testid="tab-overview"' in pages["admins"]
    # … the subscriptions keep their licenses but not their invoices and orders
    assert "Sub-B-1" in pages["subscriptions"]
    assert 'data-testid="invoices"' not in pages["subscriptions"]
    assert 'data-testid="orders"' not in pages["subscriptions"]
    assert 'data-testid="commercial-withheld"' in pages["subscriptions"]
    # … the trial is listed without Extend / End now
    assert "Trial-B-1" in pages["trials"]
    assert 'data-testid="extend-trial"' not in pages["trials"]
    assert 'data-testid="end-trial"' not in pages["trials"]
    # … and launching the organization is offered
    assert 'data-testid="launch-org"' in pages["overview"]


def test_the_trial_and_setup_pages_refuse_the_external_admin(
    attacker: Any, b: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(attacker)
    ext_id, trial_id = b["customer"].ext_id, b["trial"].ext_id
    before = snapshot()

    # The trial page shows the trial without its controls
    trial_page = _page(client, reverse("trials:detail", args=[trial_id]))
    assert 'data-testid="extend"' not in trial_page and 'data-testid="end"' not in trial_page

    # Start trial preset for the customer, Extend, End now and the set-up wizard: 403
    assert client.get(reverse("trials:start") + f"?customer={ext_id}").status_code == 403
    for name in ("trials:extend", "trials:end"):
        assert client.get(reverse(name, args=[trial_id])).status_code == 403
        assert client.post(reverse(name, args=[trial_id])).status_code == 403
    setup = reverse("subscriptions:setup", args=[b["prov"].ext_id])
    assert client.get(setup).status_code == 403
    assert client.post(setup, {"step": "review", "go": "next"}).status_code == 403
    assert snapshot() == before


def test_the_start_trial_form_never_offers_or_takes_an_external_customer(
    attacker: Any, partner: Any, b: dict[str, Any]
) -> None:
    # Given an own customer with a similar name
    CustomerFactory(partner=partner, ext_id="C-A-1", name="Contoso A")
    client = Client()
    client.force_login(attacker)

    # The suggestions list only the own one
    options = _page(client, reverse("trials:customer_options") + "?customer=contoso")
    assert 'value="C-A-1"' in options and "C-B-1" not in options

    # Typing the external customer's id is a form error, and no trial is started
    before = snapshot()
    response = client.post(
        reverse("trials:start"),
        {
            "customer_mode": "existing",
            "customer": b["customer"].ext_id,
            "licenses_calling": "5",
            "days": "30",
        },
    )
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert snapshot() == before


def test_the_organization_page_offers_no_set_up_to_the_external_admin(
    attacker: Any, b: dict[str, Any]
) -> None:
    url = reverse("orgs:customer_org", args=[b["customer"].ext_id])
    boss = Client()
    boss.force_login(b["boss"])
    assert 'data-testid="setup-link"' in _page(boss, url)

    client = Client()
    client.force_login(attacker)
    html = _page(client, url)

    assert 'data-testid="setup-link"' not in html
    assert "Assign licenses" in html  # managing licenses inside the organization stays


# --- What the external administrator still does -------------------------------------------------


def test_an_external_admin_still_manages_users_and_licenses_inside_the_organization(
    attacker: Any, b: dict[str, Any]
) -> None:
    client = api_client_for(attacker)
    ext_id = b["customer"].ext_id

    # A user is added to the customer's organization
    added = _post(
        client, f"/customers/{ext_id}/org/users", {"email": "new@contoso-b.example", "name": "N"}
    )
    assert added.status_code == 201

    # A license is assigned through the API …
    assigned = _post(
        client,
        f"/customers/{ext_id}/org/assignments",
        {"item_id": "Sub-B-1", "product": "calling", "user_ids": ["U-B-2"]},
    )
    assert assigned.status_code == 201
    assert Assignment.objects.filter(user=b["newcomer"], to_date=None).exists()

    # … and taken back through the page
    web = Client()
    web.force_login(attacker)
    change = reverse("orgs:customer_org_assign_change", args=[ext_id, "Sub-B-1", "calling"])
    response = web.post(change, {"operation": "unassign", "user": ["U-B-2"]})
    assert response.status_code == 302
    assert not Assignment.objects.filter(user=b["newcomer"], to_date=None).exists()


def test_an_external_admin_tags_the_customer_with_their_own_partners_tags(
    attacker: Any, partner: Any, b: dict[str, Any]
) -> None:
    response = api_client_for(attacker).put(
        f"/api/v1/customers/{b['customer'].ext_id}/tags",
        data=json.dumps({"tags": ["watch"]}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert Tag.objects.get(name="watch").partner_id == partner.pk
    # B never sees A's tags on its customer
    mine = api_client_for(b["boss"]).get(f"/api/v1/customers/{b['customer'].ext_id}")
    assert mine.json()["tags"] == []
