"""Loading dataset lines: every kind lands in its model, loads are idempotent, later lines win."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from partnerhub.accounts.models import Partner, User
from partnerhub.activity.models import (
    FEATURE_BITS,
    Call,
    CallQueue,
    Meeting,
    MeetingParticipant,
    UsageDay,
)
from partnerhub.core.models import AuditEvent, Event
from partnerhub.customers.models import (
    Customer,
    CustomerAdminLogin,
    CustomerManager,
    CustomerUser,
    ExternalAdmin,
)
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.services import dataset_load
from partnerhub.resources.models import Resource
from partnerhub.subscriptions.models import Assignment, Invoice, Item, ItemLine, Order
from partnerhub.tags.models import Tag
from tests.ingest_factories import BASE, base, jsonl, load, table_counts

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def usage_days() -> set[tuple[str, str, dt.date]]:
    return set(UsageDay.objects.values_list("user__ext_id", "product", "day"))


def test_every_kind_lands_in_its_model():
    # given the example dataset with one line of every kind
    # when it is loaded
    result = load(BASE)

    # then every line was read and counted by kind
    assert result.lines == len(BASE)
    assert result.counts == {
        "assignment": 2,
        "call": 3,
        "call_queue": 1,
        "customer": 2,
        "customer_admin_login": 1,
        "external_admin": 1,
        "invoice": 1,
        "meeting": 1,
        "order": 1,
        "partner": 2,
        "partner_user": 3,
        "resource": 1,
        "subscription": 1,
        "trial": 1,
        "user": 2,
    }
    # and partners, people (e-mail lower-cased), roles and managed customers are there
    p1 = Partner.objects.get(ext_id="P1")
    assert (p1.name, p1.country) == ("Northwind Partners", "PL")
    assert Partner.objects.get(ext_id="P2").country == "DE"
    anna = User.objects.get(email="anna@northwind.example")
    assert (anna.partner, anna.role, anna.name) == (p1, "partner_full_admin", "Anna Nowak")
    assert not anna.has_usable_password()
    sam = User.objects.get(email="sam@northwind.example")
    assert list(
        CustomerManager.objects.filter(user=sam).values_list("customer__ext_id", flat=True)
    ) == ["C1"]
    # and customers with their tags, external admins and sign-ins
    c1 = Customer.objects.get(ext_id="C1")
    assert (c1.partner, c1.name, c1.created, c1.country) == (
        p1,
        "Contoso",
        dt.date(2026, 1, 5),
        "PL",
    )
    assert sorted(c1.tags.values_list("name", flat=True)) == ["Renewal", "gold"]
    assert set(Tag.objects.values_list("partner__ext_id", "name")) == {
        ("P1", "gold"),
        ("P1", "Renewal"),
    }
    assert list(ExternalAdmin.objects.values_list("customer__ext_id", "user__email")) == [
        ("C2", "anna@northwind.example")
    ]
    assert list(CustomerAdminLogin.objects.values_list("customer__ext_id", "at")) == [
        ("C1", dt.datetime(2026, 11, 20, 8, tzinfo=UTC))
    ]


def test_items_orders_invoices_and_assignments_round_trip():
    load(BASE)

    sub = Item.objects.get(ext_id="Sub-1")
    assert (sub.is_trial, sub.start, sub.end, sub.auto_renew, sub.state) == (
        False,
        dt.date(2026, 1, 5),
        dt.date(2027, 1, 4),
        True,
        "active",
    )
    assert dict(sub.lines.values_list("product", "licenses")) == {"calling": 100, "meetings": 50}
    trial = Item.objects.get(ext_id="Tr-1")
    assert (trial.is_trial, trial.auto_renew, trial.state, trial.customer.ext_id) == (
        True,
        False,
        "active",
        "C1",
    )
    assert dict(trial.lines.values_list("product", "licenses")) == {"contact_center": 5}
    order = Order.objects.get(ext_id="O1")
    assert (order.item, order.date, order.action, order.amount, order.currency) == (
        sub,
        dt.date(2026, 1, 1),
        "new",
        Decimal("1200.50"),
        "EUR",
    )
    assert order.lines == [{"product": "calling", "licenses": 100}]
    invoice = Invoice.objects.get(ext_id="I1")
    assert (invoice.item, invoice.amount, invoice.currency, invoice.status) == (
        sub,
        Decimal("100.00"),
        "EUR",
        "paid",
    )
    assert set(
        Assignment.objects.values_list(
            "user__ext_id", "item__ext_id", "product", "from_date", "to_date"
        )
    ) == {
        ("U1", "Sub-1", "calling", dt.date(2026, 1, 10), None),
        ("U2", "Tr-1", "contact_center", dt.date(2026, 11, 2), dt.date(2026, 11, 20)),
    }
    jan = CustomerUser.objects.get(ext_id="U1")
    assert (jan.customer.ext_id, jan.email, jan.name) == (
        "C1",
        "jan@contoso.example",
        "Jan Kowalski",
    )
    assert CustomerUser.objects.get(ext_id="U2").name == ""


def test_calls_meetings_queues_and_resources_round_trip():
    load(BASE)

    assert CallQueue.objects.get(ext_id="Q1").name == "Front desk"
    meeting = Meeting.objects.get(ext_id="M1")
    assert (meeting.host.ext_id, meeting.start, meeting.duration_s) == (
        "U1",
        dt.datetime(2026, 11, 20, 1, 30, tzinfo=UTC),
        1800.0,
    )
    # the host listed among the participants is not repeated
    assert list(MeetingParticipant.objects.values_list("user__ext_id", flat=True)) == ["U2"]
    k1 = Call.objects.get(ext_id="K1")
    assert (k1.week, k1.call_type, k1.direction, k1.endpoint, k1.duration_s) == (
        dt.date(2026, 11, 15),
        "webex_calling",
        "outbound",
        "ip_phone",
        95.0,
    )
    assert (k1.mos, k1.jitter_ms, k1.loss_pct, k1.latency_ms, k1.features, k1.queue) == (
        None,
        12.0,
        0.1,
        80.0,
        0,
        None,
    )
    k2 = Call.objects.get(ext_id="K2")
    assert (k2.call_type, k2.direction, k2.duration_s) == ("call_on_webex", "internal", 30.5)
    # a Sunday call starts its own week
    k3 = Call.objects.get(ext_id="K3")
    assert k3.week == dt.date(2026, 11, 22)
    assert k3.features == FEATURE_BITS["call_queue"] | FEATURE_BITS["transfer"]
    assert (k3.queue.ext_id, k3.queue_wait_s, k3.queue_outcome) == ("Q1", 12.5, "answered")
    resource = Resource.objects.get(ext_id="R1")
    assert (
        resource.type,
        resource.products,
        resource.featured,
        resource.quick_link,
        resource.language,
    ) == (
        "article",
        ["calling"],
        True,
        False,
        "en",
    )


def test_usage_days_are_derived_from_webex_calls_and_meetings():
    load(BASE)

    assert usage_days() == {
        ("U1", "calling", dt.date(2026, 11, 20)),  # K1
        ("U1", "meetings", dt.date(2026, 11, 20)),  # host of M1 (UTC day)
        ("U2", "meetings", dt.date(2026, 11, 20)),  # participant of M1
        ("U2", "calling", dt.date(2026, 11, 22)),  # K3; K2 on the 21st is call_on_webex: no usage
    }


def test_loading_the_same_lines_twice_changes_nothing():
    load(BASE)
    before = table_counts()
    snapshot = list(Call.objects.order_by("ext_id").values())

    load(BASE)

    after = table_counts()
    # The trail and the outbox record each load (one `ingest.completed` per partner); the data
    # does not change.
    records = {"core.AuditEvent", "core.Event"}
    assert {k: v for k, v in after.items() if k not in records} == {
        k: v for k, v in before.items() if k not in records
    }
    assert list(Call.objects.order_by("ext_id").values()) == snapshot
    assert AuditEvent.objects.filter(action="dataset.load").count() == 2
    per_load = Event.objects.filter(type="ingest.completed").count() // 2
    assert per_load == Partner.objects.count() >= 1
    assert after["core.Event"] == before["core.Event"] + per_load


def test_a_later_load_replaces_the_fields_of_records_with_the_same_id():
    load(BASE)

    load(
        [
            {
                "kind": "customer",
                "id": "C1",
                "partner": "P1",
                "name": "Contoso Ltd",
                "created": "2026-01-06",
                "tags": ["GOLD", "new"],
            },
            {
                "kind": "subscription",
                "id": "Sub-1",
                "customer": "C1",
                "start": "2026-01-05",
                "end": "2027-01-04",
                "state": "suspended",
                "lines": [{"product": "calling", "licenses": 7}],
            },
            {
                "kind": "assignment",
                "user": "U1",
                "item": "Sub-1",
                "product": "calling",
                "from": "2026-01-10",
                "to": "2026-06-01",
            },
            {
                "kind": "call",
                "id": "K1",
                "customer": "C1",
                "user": "U1",
                "start": "2026-11-18T09:00:00Z",
                "duration_s": 5,
                "endpoint": "third_party",
            },
            {
                "kind": "meeting",
                "id": "M1",
                "customer": "C1",
                "host": "U1",
                "start": "2026-11-19T23:30:00-02:00",
                "duration_s": 60,
            },
            {
                "kind": "partner_user",
                "partner": "P1",
                "email": "sam@northwind.example",
                "name": "Sam",
                "role": "sales_full_admin",
                "customers": [],
            },
        ]
    )

    c1 = Customer.objects.get(ext_id="C1")
    assert (c1.name, c1.created, c1.country) == ("Contoso Ltd", dt.date(2026, 1, 6), "")
    # the existing tag is matched ignoring case; a tag no customer carries any more is gone
    assert sorted(c1.tags.values_list("name", flat=True)) == ["gold", "new"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["gold", "new"]
    sub = Item.objects.get(ext_id="Sub-1")
    assert (sub.state, sub.auto_renew) == ("suspended", False)
    assert list(ItemLine.objects.filter(item=sub).values_list("product", "licenses")) == [
        ("calling", 7)
    ]
    assert Assignment.objects.get(user__ext_id="U1").to_date == dt.date(2026, 6, 1)
    assert Assignment.objects.count() == 2
    k1 = Call.objects.get(ext_id="K1")
    assert (k1.endpoint, k1.duration_s, k1.jitter_ms, k1.week) == (
        "third_party",
        5.0,
        None,
        dt.date(2026, 11, 15),
    )
    assert not MeetingParticipant.objects.exists()
    sam = User.objects.get(email="sam@northwind.example")
    assert (sam.name, sam.role) == ("Sam", "sales_full_admin")
    assert not CustomerManager.objects.exists()
    # usage follows the replaced call and the participant who left the meeting
    assert usage_days() == {
        ("U1", "calling", dt.date(2026, 11, 18)),
        ("U1", "meetings", dt.date(2026, 11, 20)),
        ("U2", "calling", dt.date(2026, 11, 22)),
    }


def test_a_line_without_tags_or_customers_keeps_the_sets_it_does_not_mention():
    load(BASE)

    load(
        [
            {
                "kind": "customer",
                "id": "C1",
                "partner": "P1",
                "name": "Contoso",
                "created": "2026-01-05",
            },
            {
                "kind": "partner_user",
                "partner": "P1",
                "email": "sam@northwind.example",
                "name": "Sam",
            },
        ]
    )

    assert sorted(Customer.objects.get(ext_id="C1").tags.values_list("name", flat=True)) == [
        "Renewal",
        "gold",
    ]
    assert CustomerManager.objects.filter(customer__ext_id="C1").count() == 1


def test_a_later_line_in_the_same_load_replaces_an_earlier_one():
    lines = base()
    lines.append({**lines[-2], "duration_s": 999, "start": "2026-11-23T10:00:00Z"})  # K3 again
    lines.append({**lines[9], "auto_renew": False})  # Sub-1 again
    lines.append({**lines[18], "participants": []})  # M1 again, nobody took part

    load(lines)

    k3 = Call.objects.get(ext_id="K3")
    assert (k3.duration_s, k3.week) == (999.0, dt.date(2026, 11, 22))
    assert Item.objects.get(ext_id="Sub-1").auto_renew is False
    assert ItemLine.objects.filter(item__ext_id="Sub-1").count() == 2
    assert not MeetingParticipant.objects.exists()
    assert ("U2", "calling", dt.date(2026, 11, 23)) in usage_days()
    assert ("U2", "meetings", dt.date(2026, 11, 20)) not in usage_days()


@pytest.mark.parametrize("chunk_lines", [1, 2, 7])
def test_small_chunks_give_the_same_result_as_one(chunk_lines):
    lines = base()
    lines.append({**lines[-2], "duration_s": 1})  # K3 again, in a later chunk

    load(lines, chunk_lines=chunk_lines, batch_lines=3)

    assert Call.objects.get(ext_id="K3").duration_s == 1.0
    assert table_counts()["activity.Call"] == 3
    assert len(usage_days()) == 4
    assert sorted(Customer.objects.get(ext_id="C1").tags.values_list("name", flat=True)) == [
        "Renewal",
        "gold",
    ]


def test_blank_lines_are_skipped_but_counted_as_lines():
    result = load(["", BASE[0], "   ", BASE[1]])

    assert result.lines == 4
    assert result.counts == {"partner": 2}


def test_kinds_without_id_are_deduplicated_on_all_fields():
    load(BASE)

    load([BASE[7], BASE[7], BASE[8], {**BASE[8], "at": "2026-11-20T08:00:00Z"}])

    assert ExternalAdmin.objects.count() == 1
    assert CustomerAdminLogin.objects.count() == 1


def test_a_customer_moved_to_another_partner_loses_the_old_partners_tags():
    load(BASE)

    moved = {key: value for key, value in BASE[4].items() if key != "tags"}
    load([{**moved, "partner": "P2"}])

    c1 = Customer.objects.get(ext_id="C1")
    assert c1.partner.ext_id == "P2"
    assert not c1.tags.exists()
    assert not Tag.objects.exists()  # no customer carries P1's tags any more


def test_the_progress_bar_shows_lines_rate_and_bytes_read_of_the_total():
    out = io.StringIO()
    bar = Progress(out, total_bytes=4_000_000)

    bar.update(25_000, 1_000_000, force=True)
    bar.phase("Rebuilding indexes…")
    bar.close()

    text = out.getvalue()
    assert "25%" in text
    assert "25,000 lines" in text
    assert "lines/s" in text
    assert "1.0 MB / 4.0 MB" in text
    assert text.endswith("Rebuilding indexes…\x1b[K\n")


def test_files_load_by_path_too(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(jsonl(BASE))

    result = dataset_load(paths=[str(path)])

    assert result.lines == len(BASE)
    assert Call.objects.count() == 3
