"""Issue 13: nothing of one partner leaks to another through the audit trail, exports, error
messages or links; and no exported cell is a live spreadsheet formula.

The attacks, as the security review found them:
- partner A's sales admin, external administrator of partner B's customer, tags it with A's tag
  "VIP-A"; B then read A's tag name and A's person in GET /api/v1/audit and the Activity tab;
- a customer named =HYPERLINK("http://evil.example/","Click") became a live formula in every
  CSV and XLSX export;
- error messages confirmed ids and e-mails of other partners;
- the tag remove link of customer Z987654321 pointed at customer Z21.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from partnerhub.accounts.people_services import user_invite
from partnerhub.calling.services import refresh_analytics
from partnerhub.core.audit import audit_record
from partnerhub.core.audit_selectors import audit_entries, customer_audit
from partnerhub.core.choices import Role
from partnerhub.core.exports import safe_cell, xlsx_row
from partnerhub.customers.links import attach_links
from partnerhub.customers.models import CustomerExport
from partnerhub.helpdesk.services import case_open
from partnerhub.tags.models import Tag
from partnerhub.tags.services import tag_assign, tag_remove
from tests.analytics_factories import assign, customer, days, item, use
from tests.calling_factories import W1, D, at, calling_customer, make_calls
from tests.conftest import api_client_for
from tests.customers_factories import OrderFactory, tag
from tests.factories import (
    CustomerFactory,
    ExternalAdminFactory,
    ItemFactory,
    PartnerFactory,
    UserFactory,
)
from tests.helpdesk_factories import HelpdeskUserFactory

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/","Click")'
EVIL_TAG = "@SUM(1+1)"
OTHER_TAG_LABEL = "(another partner's tag)"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 4. The audit trail -------------------------------------------------------------------------


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    """Partner B's customer CB1, whose external administrator is partner A's sales admin Sam."""
    alpha = PartnerFactory(name="Alpha Partners")
    bravo = PartnerFactory(name="Bravo Partners")
    sam = UserFactory(
        partner=alpha, role=Role.SALES_ADMIN, email="sam@alpha.example", name="Sam Alphason"
    )
    a_boss = UserFactory(
        partner=alpha, role=Role.PARTNER_FULL_ADMIN, email="boss@alpha.example", name="Ann Boss"
    )
    b_admin = UserFactory(
        partner=bravo, role=Role.PARTNER_FULL_ADMIN, email="bea@bravo.example", name="Bea Bravo"
    )
    cb1 = CustomerFactory(partner=bravo, ext_id="CB1", name="Bravo Customer")
    ExternalAdminFactory(customer=cb1, user=sam)
    ExternalAdminFactory(customer=cb1, user=a_boss)
    return SimpleNamespace(
        alpha=alpha, bravo=bravo, sam=sam, a_boss=a_boss, b_admin=b_admin, cb1=cb1
    )


def a_tags_b_customer(world: SimpleNamespace) -> None:
    """The attack: Sam (A) tags B's customer with A's tag "VIP-A" (on the page); B tags it too."""
    response = signed_in(world.sam).post("/tags/customer/CB1/add/", {"name": "VIP-A"})
    assert response.status_code in (200, 302)
    assert Tag.objects.get(name="VIP-A").partner == world.alpha
    signed_in(world.b_admin).post("/tags/customer/CB1/add/", {"name": "B-gold"})


def leaks_of_a(text: str) -> list[str]:
    """What of partner A must not appear in what B reads."""
    return [s for s in ("VIP-A", "sam@alpha.example", "Sam Alphason", "Alphason") if s in text]


def test_b_full_admin_cannot_read_a_tag_names_or_a_person_in_the_audit_api(
    world: SimpleNamespace,
) -> None:
    # Given A's sales admin tagged B's customer with A's tag
    a_tags_b_customer(world)

    # When B's full admin reads the customer's audit trail through the API
    response = api_client_for(world.b_admin).get("/api/v1/audit", {"customer_id": "CB1"})

    # Then A's tag is a neutral label and A's person is named by A's partner only
    assert response.status_code == 200
    body = response.json()
    assert leaks_of_a(json.dumps(body, ensure_ascii=False)) == []
    theirs = body["items"][-1]  # the oldest: A's tagging
    assert theirs["action"] == "tag.assign"
    assert theirs["actor"] == "a person of Alpha Partners"
    assert theirs["before"] == {"tags": []}
    assert theirs["after"] == {"tags": [OTHER_TAG_LABEL]}
    assert theirs["object_id"] == "CB1" and theirs["customer_id"] == "CB1"
    # B's own entry stays whole.
    own = body["items"][0]
    assert own["actor"] == "bea@bravo.example" and own["after"] == {"tags": ["B-gold"]}


def test_b_full_admin_cannot_read_a_tag_names_or_a_person_on_the_activity_tab(
    world: SimpleNamespace,
) -> None:
    # Given
    a_tags_b_customer(world)

    # When
    html = signed_in(world.b_admin).get("/customers/CB1/", {"tab": "activity"}).content.decode()

    # Then
    assert 'data-testid="audit"' in html
    assert leaks_of_a(html) == []
    assert "a person of Alpha Partners" in html
    assert "another partner&#x27;s tag" in html
    assert "B-gold" in html and "Bea Bravo" in html


def test_a_own_admins_still_see_everything_of_their_own(world: SimpleNamespace) -> None:
    # Given
    a_tags_b_customer(world)

    # When A's people read the same customer's trail
    body = api_client_for(world.a_boss).get("/api/v1/audit", {"customer_id": "CB1"}).json()
    html = signed_in(world.sam).get("/customers/CB1/", {"tab": "activity"}).content.decode()

    # Then they see their tag and their person, and nothing of B's (B's entries are B's trail)
    assert [(e["actor"], e["after"]) for e in body["items"]] == [
        ("sam@alpha.example", {"tags": ["VIP-A"]})
    ]
    assert "VIP-A" in html and "Sam Alphason" in html
    assert "B-gold" not in html and "Bea Bravo" not in html


def test_b_cannot_learn_that_a_removed_and_deleted_its_tag(world: SimpleNamespace) -> None:
    # Given Sam tags and untags B's customer (the tag, carried by nobody else, is deleted)
    tag_assign(actor=world.sam, customer=world.cb1, name="VIP-A")
    tag_remove(actor=world.sam, customer=world.cb1, tag=Tag.objects.get(name="VIP-A"))

    # When
    body = api_client_for(world.b_admin).get("/api/v1/audit", {"customer_id": "CB1"}).json()

    # Then the removal shows the label, and not whether A's tag was deleted
    removal = body["items"][0]
    assert removal["action"] == "tag.remove"
    assert removal["before"] == {"tags": [OTHER_TAG_LABEL]}
    assert removal["after"] == {"tags": []}
    assert "VIP-A" not in json.dumps(body)


def test_b_cannot_read_a_helpdesk_case_about_its_customer(world: SimpleNamespace) -> None:
    # Given Sam opens a helpdesk case of partner A about B's customer
    case = case_open(
        user=world.sam,
        area="calling",
        severity=3,
        subject="Secret plan of Alpha",
        description="text",
        customer_id="CB1",
    )

    # When
    body = api_client_for(world.b_admin).get("/api/v1/audit", {"customer_id": "CB1"}).json()
    html = signed_in(world.b_admin).get("/customers/CB1/", {"tab": "activity"}).content.decode()

    # Then B sees that a person of A opened a case, not the case
    [entry] = body["items"]
    assert entry["action"] == "helpdesk.case_open"
    assert entry["actor"] == "a person of Alpha Partners"
    assert (entry["object_id"], entry["before"], entry["after"]) == ("", None, None)
    for secret in ("Secret plan", case.number, "sam@alpha.example"):
        assert secret not in json.dumps(body) and secret not in html
    # A reads its own case in full.
    own = api_client_for(world.sam).get("/api/v1/audit", {"customer_id": "CB1"}).json()
    assert own["items"][0]["after"]["subject"] == "Secret plan of Alpha"
    assert own["items"][0]["object_id"] == case.number


def test_the_helpdesk_team_on_another_partners_case_is_not_named(world: SimpleNamespace) -> None:
    # Given A's case about B's customer, commented by a helpdesk agent
    from partnerhub.helpdesk.services import case_comment

    case = case_open(
        user=world.sam, area="calling", severity=3, subject="s", description="d",
        customer_id="CB1",
    )  # fmt: skip
    agent = HelpdeskUserFactory(email="agent.smith@helpdesk.example", name="Agent Smith")
    case_comment(user=agent, case=case, body="On it")

    # When
    entries = audit_entries(
        viewer=world.b_admin, events=customer_audit(user=world.b_admin, customer=world.cb1)
    )
    own = audit_entries(viewer=world.sam, events=customer_audit(user=world.sam, customer=world.cb1))

    # Then
    assert [e.actor for e in entries] == ["the Partner Helpdesk team", "a person of Alpha Partners"]
    assert own[0].actor == "agent.smith@helpdesk.example"


def test_shared_values_of_a_change_by_another_partners_person_stay_readable(
    world: SimpleNamespace,
) -> None:
    # Given Sam (A) started a trial of B's customer: the trial is the customer's own, so the
    # entry is in B's trail (recorded as trials.services records it)
    audit_record(
        actor=world.sam,
        action="trial.start",
        obj_type="trial",
        obj_id="Tr-CB1",
        customer=world.cb1,
        after={"id": "Tr-CB1", "customer_id": "CB1", "lines": {"meetings": 4}, "days": 30},
    )

    # When B reads the trail
    [entry] = api_client_for(world.b_admin).get("/api/v1/audit").json()["items"]

    # Then the trial's values are there, the person who started it is not
    assert entry["actor"] == "a person of Alpha Partners"
    assert entry["object_id"] == "Tr-CB1"
    assert entry["after"] == {"id": "Tr-CB1", "customer_id": "CB1", "lines": {"meetings": 4},
                              "days": 30}  # fmt: skip


def test_every_audited_action_is_declared_or_hidden_from_other_partners() -> None:
    """An unknown action or key counts as private: a new one never leaks by default."""
    from partnerhub.core.audit_selectors import AUDIT_FIELDS, Carries

    event = SimpleNamespace(
        pk=1, at=None, action="brand.new", actor=None, object_type="secret_thing",
        object_id="X-1", customer=None, customer_id=None, partner_id=999, on_behalf=False,
        before={"anything": "A's secret"}, after=["A's secret"],
    )  # fmt: skip
    viewer = SimpleNamespace(partner_id=1)
    [entry] = audit_entries(viewer=viewer, events=[event])  # type: ignore[list-item]
    assert (entry.before, entry.after, entry.object_id) == (None, None, "")
    assert AUDIT_FIELDS["tag.assign"]["tags"] is Carries.TAGS
    assert "tag_deleted" not in AUDIT_FIELDS["tag.remove"]


def _count(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
        assert response.status_code == 200
    return len(ctx.captured_queries)


def _foreign_tagging(world: SimpleNamespace, n: int) -> None:
    """`n` people of `n` other partners, each external admin of CB1, tag it with their tag."""
    for i in range(n):
        person = UserFactory(partner=PartnerFactory(), role=Role.SALES_ADMIN)
        ExternalAdminFactory(customer=world.cb1, user=person)
        tag_assign(actor=person, customer=world.cb1, name=f"T{i}")
        tag_remove(actor=person, customer=world.cb1, tag=Tag.objects.get(name=f"T{i}"))


def test_the_redacted_listing_takes_the_same_queries_for_3_or_30_foreign_entries(
    world: SimpleNamespace,
) -> None:
    # Given
    api = api_client_for(world.b_admin)
    page = signed_in(world.b_admin)
    _foreign_tagging(world, 3)

    def listing() -> Any:
        return api.get("/api/v1/audit", {"customer_id": "CB1", "page_size": 100})

    def tab() -> Any:
        return page.get("/customers/CB1/", {"tab": "activity", "page_size": 100})

    # A token's first use of the day records itself (the sign-in audit): not counted.
    listing(), tab()
    small_api, small_tab = _count(listing), _count(tab)

    # When 27 more partners' people tag and untag it
    _foreign_tagging(world, 27)

    # Then the queries stay the same, and every one of the 60 entries is redacted
    assert _count(listing) == small_api
    assert _count(tab) == small_tab
    body = listing().json()
    assert body["count"] == 60
    assert all(e["actor"].startswith("a person of ") for e in body["items"])
    assert not any(f'"T{i}"' in json.dumps(body) for i in range(30))


# --- 5. Formula injection in every export --------------------------------------------------------


def _setup_customers(partner: Any) -> None:
    evil = CustomerFactory(partner=partner, name=EVIL)
    tag(evil, EVIL_TAG)


def _setup_calling(partner: Any) -> None:
    evil = calling_customer(partner, EVIL, queues=1)
    make_calls(evil, 4, start=at(W1))  # the week before: calls fell by 50 %
    make_calls(evil, 2, mos=2.0)
    refresh_analytics(as_of=D)


def _setup_analytics(partner: Any) -> None:
    """The customer with a row in every table of the subscriptions analytics (calling)."""
    evil = customer(partner, EVIL)
    new = item(evil, {"calling": 10, "meetings": 4}, start=days(-40), end=days(30))
    renew = item(evil, {"calling": 2, "meetings": 2}, end=days(60), auto_renew=True)
    low = item(evil, {"calling": 100, "meetings": 100})
    use(assign(new, n=3), "calling", days(-1))
    assign(renew, n=3)
    assign(low, n=1)


def _inline(fmt: str) -> Callable[[Client, Any], bytes]:
    def fetch(client: Client, _env: Any) -> bytes:
        return _content(client.get("/customers/", {"export": fmt}))

    return fetch


def _background(fmt: str) -> Callable[[Client, Any], bytes]:
    def fetch(client: Client, env: Any) -> bytes:
        env.monkeypatch.setattr("partnerhub.customers.views.EXPORT_INLINE_MAX", 0)
        env.settings.MEDIA_ROOT = env.tmp_path
        with env.capture(execute=True):
            assert client.get("/customers/", {"export": fmt}).status_code == 302
        export = CustomerExport.objects.get()
        assert export.state == "ready"
        return _content(client.get(f"/customers/-/exports/{export.pk}/download/"))

    return fetch


def _calling(table: str, fmt: str) -> Callable[[Client, Any], bytes]:
    def fetch(client: Client, _env: Any) -> bytes:
        return _content(client.get("/analytics/calling/", {"table": table, "export": fmt}))

    return fetch


def _analytics(section: str, fmt: str) -> Callable[[Client, Any], bytes]:
    def fetch(client: Client, _env: Any) -> bytes:
        url = f"/analytics/subscriptions/export/{section}.{fmt}"
        return _content(client.get(url, {"product": "calling"}))

    return fetch


def _content(response: Any) -> bytes:
    assert response.status_code == 200, response
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


EXPORTS = [
    *[
        (f"customers-{mode}-{fmt}", _setup_customers, fetch(fmt), fmt)
        for mode, fetch in (("inline", _inline), ("background", _background))
        for fmt in ("csv", "xlsx")
    ],
    *[
        (f"calling-{table}-{fmt}", _setup_calling, _calling(table, fmt), fmt)
        for table in ("usage", "quality", "queue")
        for fmt in ("csv", "xlsx")
    ],
    *[
        (f"analytics-{section}-{fmt}", _setup_analytics, _analytics(section, fmt), fmt)
        for section in ("recently_added", "expiring", "renewing", "low_assignment", "over_limit")
        for fmt in ("csv", "xlsx")
    ],
]


def test_the_list_of_exports_covers_every_export_of_the_app() -> None:
    from partnerhub.analytics.views import SECTIONS
    from partnerhub.calling.views import TABLES

    names = {name for name, *_ in EXPORTS}
    expected = {f"customers-{m}-{f}" for m in ("inline", "background") for f in ("csv", "xlsx")}
    expected |= {f"calling-{t}-{f}" for t in TABLES for f in ("csv", "xlsx")}
    expected |= {f"analytics-{s}-{f}" for s in SECTIONS for f in ("csv", "xlsx")}
    assert names == expected


def _rows(fmt: str, content: bytes) -> list[list[tuple[Any, str]]]:
    """The rows of an export as (value, data type) cells; CSV cells are all text ("s")."""
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return [[(v, "s") for v in row] for row in csv.reader(io.StringIO(text))]
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize(("name", "setup", "fetch", "fmt"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_a_hostile_customer_name_is_never_a_formula_in_an_export(
    name: str,
    setup: Callable[[Any], None],
    fetch: Callable[[Client, Any], bytes],
    fmt: str,
    partner: Any,
    full_admin: Any,
    monkeypatch: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a customer named as a formula (any sales admin can create one with a trial)
    setup(partner)
    env = SimpleNamespace(
        monkeypatch=monkeypatch,
        settings=settings,
        tmp_path=tmp_path,
        capture=django_capture_on_commit_callbacks,
    )

    # When the table is exported
    rows = _rows(fmt, fetch(signed_in(full_admin), env))

    # Then its name is text that shows, not a formula that runs
    cells = [cell for row in rows for cell in row]
    assert ("'" + EVIL, "s") in cells, f"{name}: {rows}"
    assert not any(value == EVIL for value, _type in cells)
    assert not any(data_type == "f" for _value, data_type in cells)
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v, _t in cells)
    if name.startswith("customers-"):
        assert ("'" + EVIL_TAG, "s") in cells  # tags are cells people type too


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_negative_number_stays_a_number_in_an_export(
    fmt: str, partner: Any, full_admin: Any
) -> None:
    # Given calls fell by half from one week to the next
    _setup_calling(partner)

    # When
    rows = _rows(fmt, _calling("usage", fmt)(signed_in(full_admin), None))

    # Then "Calls change %" is -50, as a number
    header = [value for value, _type in rows[0]]
    change = rows[1][header.index("Calls change %")]
    assert change == ((-50.0, "n") if fmt == "xlsx" else ("-50.0", "s"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),  # spreadsheets trim leading spaces on import
        ("\uff1d1+1", "'\uff1d1+1"),  # the full-width equals sign
        ("Contoso", "Contoso"),
        ("a=b", "a=b"),
        ("-12.5", "-12.5"),  # a number written as text is not a formula
        (-12.5, -12.5),
        (-3, -3),
        (None, ""),
        ([EVIL, "x"], f"'{EVIL}, x"),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_formulas_and_keeps_numbers(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_xlsx_text_cells_are_strings_even_when_they_look_like_errors_or_hold_control_chars() -> (
    None
):
    ws = Workbook(write_only=True).create_sheet()
    text, error_like, control, number = xlsx_row(ws, [EVIL, "#N/A", "Bad\x01Name", -4])
    assert (text.value, text.data_type) == ("'" + EVIL, "s")
    assert (error_like.value, error_like.data_type) == ("#N/A", "s")
    assert (control.value, control.data_type) == ("BadName", "s")
    assert number == -4


# --- 9. Error messages that confirmed another partner's ids and e-mails ---------------------------


@pytest.fixture
def two(db: Any) -> SimpleNamespace:
    """Our partner (its admin and customer C-OURS with Sub-OURS / ORD-OURS) and theirs."""
    ours = PartnerFactory(name="Ours")
    theirs = PartnerFactory(name="Theirs")
    admin = UserFactory(partner=ours, role=Role.PARTNER_FULL_ADMIN, email="admin@ours.example")
    c_ours = CustomerFactory(partner=ours, ext_id="C-OURS")
    s_ours = ItemFactory(customer=c_ours, ext_id="Sub-OURS", lines={"calling": 5})
    OrderFactory(item=s_ours, ext_id="ORD-OURS")
    c_theirs = CustomerFactory(partner=theirs, ext_id="C90005")
    s_theirs = ItemFactory(customer=c_theirs, ext_id="Sub-THEIRS", lines={"calling": 5})
    OrderFactory(item=s_theirs, ext_id="O0000046")
    their_person = UserFactory(partner=theirs, email="someone@theirs.example")
    return SimpleNamespace(admin=admin, their_person=their_person, api=api_client_for(admin))


def order(two: SimpleNamespace, **fields: Any) -> Any:
    body = {
        "action": "new",
        "customer_id": "C-OURS",
        "end": "2027-11-30",
        "lines": [{"product": "calling", "licenses": 1}],
        **fields,
    }
    return two.api.post("/api/v1/orders", data=json.dumps(body), content_type="application/json")


def messages_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    return [d["msg"] for d in response.json()["detail"]]


def test_an_order_id_of_another_partner_is_not_confirmed(two: SimpleNamespace) -> None:
    # When placing an order with another partner's order id, and with our own
    theirs = messages_of(order(two, id="O0000046"))
    ours = messages_of(order(two, id="ORD-OURS"))

    # Then theirs is neither named nor called an order; ours is
    assert theirs == ["This id cannot be used."]
    assert ours == ["Order ORD-OURS was already placed."]


def test_a_subscription_id_of_another_partner_is_not_confirmed(two: SimpleNamespace) -> None:
    theirs = messages_of(order(two, subscription_id="Sub-THEIRS"))
    ours = messages_of(order(two, subscription_id="Sub-OURS"))
    assert theirs == ["This id cannot be used."]
    assert ours == ["Sub-OURS already exists; order a change or a renewal instead."]


def test_another_partners_subscription_and_customer_answer_as_if_they_did_not_exist(
    two: SimpleNamespace,
) -> None:
    # A change of their subscription, a new order for their customer: the same 404 as for ids
    # that exist nowhere.
    change = {"action": "change", "lines": [{"product": "calling", "licenses": 9}]}
    their_sub = order(two, subscription_id="Sub-THEIRS", **change)
    no_sub = order(two, subscription_id="Sub-NOWHERE", **change)
    their_customer = order(two, customer_id="C90005")
    no_customer = order(two, customer_id="C-NOWHERE")
    assert their_sub.status_code == no_sub.status_code == 404
    assert their_sub.json() == no_sub.json()
    assert their_customer.status_code == no_customer.status_code == 404
    assert their_customer.json() == no_customer.json()


def test_an_e_mail_of_another_partners_person_is_not_confirmed(two: SimpleNamespace) -> None:
    def refusal(email: str) -> list[str]:
        with pytest.raises(ValidationError) as exc:
            user_invite(actor=two.admin, email=email)
        return exc.value.message_dict["email"]

    agent = HelpdeskUserFactory(email="agent@helpdesk.example")
    # Another partner's person and the operator's helpdesk agent: the same words.
    assert refusal("someone@theirs.example") == ["This e-mail cannot be used."]
    assert refusal(agent.email) == refusal("SOMEONE@theirs.example")
    # Our own person: named, which helps.
    assert refusal("admin@ours.example") == ["admin@ours.example is already one of your people."]
    # The page says the same.
    html = signed_in(two.admin).post(
        "/accounts/users/invite/", {"email": two.their_person.email, "role": "user"}
    )
    assert "This e-mail cannot be used." in html.content.decode()
    assert "already in use" not in html.content.decode()


def ingest(two: SimpleNamespace, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    body = "\n".join(json.dumps(line) for line in lines)
    response = two.api.post("/api/v1/ingest", data=body, content_type="application/x-ndjson")
    assert response.status_code == 422, response.content
    return list(response.json()["detail"])


def test_an_ingested_id_of_another_partner_is_not_confirmed(two: SimpleNamespace) -> None:
    ours = two.admin.partner.ext_id
    customer_line = {"kind": "customer", "partner": ours, "name": "X", "created": "2026-01-01"}
    trial_line = {
        "kind": "trial", "customer": "C-OURS", "start": "2026-11-01", "end": "2026-12-30",
        "lines": [{"product": "calling", "licenses": 1}],
    }  # fmt: skip

    their_customer = ingest(two, {**customer_line, "id": "C90005"})
    their_sub_as_trial = ingest(two, {**trial_line, "id": "Sub-THEIRS"})
    our_sub_as_trial = ingest(two, {**trial_line, "id": "Sub-OURS"})

    assert [d["msg"] for d in their_customer] == ["the id 'C90005' cannot be used"]
    assert [d["msg"] for d in their_sub_as_trial] == ["the id 'Sub-THEIRS' cannot be used"]
    assert [d["msg"] for d in our_sub_as_trial] == [
        "'Sub-OURS' is already the id of a subscription"
    ]


def test_an_ingested_reference_to_another_partners_record_answers_as_a_missing_one(
    two: SimpleNamespace,
) -> None:
    def answer(customer_id: str, sub_id: str) -> list[str]:
        details = ingest(
            two,
            {"kind": "user", "id": "U-NEW", "customer": customer_id, "email": "u@x.example"},
            {"kind": "order", "id": "O-NEW", "subscription": sub_id, "date": "2026-11-01",
             "action": "renewal"},
        )  # fmt: skip
        return [d["msg"].replace(customer_id, "<id>").replace(sub_id, "<id>") for d in details]

    assert answer("C90005", "Sub-THEIRS") == answer("C-NOWHERE", "Sub-NOWHERE")


# --- 11. Links built with reverse() --------------------------------------------------------------


def test_the_tag_remove_link_of_customer_z987654321_is_its_own(
    partner: Any, full_admin: Any
) -> None:
    # Given a customer whose id holds the old placeholder, tagged
    z = CustomerFactory(partner=partner, ext_id="Z987654321", name="Zeta")
    emea = tag(z, "emea")

    # When the list and the details page render its links
    listing = signed_in(full_admin).get("/customers/").content.decode()
    details = signed_in(full_admin).get("/customers/Z987654321/").content.decode()

    # Then every link is the customer's own
    remove = reverse("tags:customer_remove", args=["Z987654321", emea.pk])
    assert remove == f"/tags/customer/Z987654321/{emea.pk}/remove/"
    for html in (listing, details):
        assert f'action="{remove}"' in html
        assert f"/tags/customer/Z{emea.pk}/" not in html
    assert 'href="/customers/Z987654321/"' in listing


@pytest.mark.parametrize("ext_id", ["Z987654321", "__ext__", "C 1?x=%2F#"])
def test_attach_links_builds_each_url_from_the_id_itself(ext_id: str) -> None:
    row = SimpleNamespace(ext_id=ext_id, tag_list=[{"id": 21}, {"id": 987654321}])
    attach_links([row])
    assert row.detail_url == reverse("customers:detail", args=[ext_id])
    assert row.tag_add_url == reverse("tags:customer_add", args=[ext_id])
    assert [t["remove_url"] for t in row.tag_list] == [
        reverse("tags:customer_remove", args=[ext_id, 21]),
        reverse("tags:customer_remove", args=[ext_id, 987654321]),
    ]
