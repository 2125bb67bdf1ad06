"""Bad files are refused whole: every bad line named (line, field, reason), nothing written."""

from __future__ import annotations

import gzip
import io
import sys
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from partnerhub.ingest.errors import LineError, LoadError
from partnerhub.ingest.services import dataset_load
from tests.ingest_factories import BASE, base, jsonl, load, table_counts

pytestmark = pytest.mark.django_db


def refused(lines: list[Any], **kwargs: Any) -> LoadError:
    """Load lines that must be refused; assert that no table changed and return the error."""
    before = table_counts()
    with pytest.raises(LoadError) as caught:
        load(lines, **kwargs)
    assert table_counts() == before
    return caught.value


def named(error: LoadError) -> list[tuple[int | None, str | None]]:
    return [(e.line, e.field) for e in error.errors]


def with_line(index: int, **changes: Any) -> list[dict[str, Any]]:
    """BASE with line `index` (0-based) changed; a value of ... removes the field."""
    lines = base()
    for key, value in changes.items():
        if value is ...:
            lines[index].pop(key)
        else:
            lines[index][key] = value
    return lines


@pytest.mark.parametrize(
    ("lines", "line", "field", "reason"),
    [
        pytest.param(
            [*BASE[:3], '{"kind": "customer", "id": ', *BASE[3:]],
            4,
            None,
            "not valid JSON",
            id="bad-json",
        ),
        pytest.param([*BASE[:3], "[1, 2]", *BASE[3:]], 4, None, "JSON object", id="not-an-object"),
        pytest.param(
            [*BASE, {"kind": "invoice_line", "id": "X"}],
            24,
            "kind",
            "unknown kind 'invoice_line'",
            id="unknown-kind",
        ),
        pytest.param([*BASE, {"id": "X"}], 24, "kind", "required", id="no-kind"),
        pytest.param(with_line(4, colour="red"), 5, "colour", "unknown field", id="unknown-field"),
        pytest.param(with_line(4, name=...), 5, "name", "required", id="missing-required"),
        pytest.param(with_line(4, name=None), 5, "name", "required", id="null-required"),
        pytest.param(
            with_line(19, duration_s="95"),
            20,
            "duration_s",
            "expected a number, got a string",
            id="wrong-type",
        ),
        pytest.param(
            with_line(19, duration_s=True),
            20,
            "duration_s",
            "expected a number, got a boolean",
            id="bool-is-no-number",
        ),
        pytest.param(
            with_line(19, duration_s=-1), 20, "duration_s", "from 0 to", id="negative-number"
        ),
        pytest.param(
            with_line(19, endpoint="fax"), 20, "endpoint", "'fax' is not one of", id="bad-enum"
        ),
        pytest.param(with_line(2, role="boss"), 3, "role", "'boss' is not one of", id="bad-role"),
        pytest.param(
            with_line(4, created="05/01/2026"), 5, "created", "YYYY-MM-DD", id="bad-date-format"
        ),
        pytest.param(
            with_line(4, created="2026-02-30"),
            5,
            "created",
            "not a valid date",
            id="impossible-date",
        ),
        pytest.param(
            with_line(19, start="2026-11-20T09:00:00"),
            20,
            "start",
            "no time zone",
            id="time-without-zone",
        ),
        pytest.param(with_line(19, start="yesterday noon"), 20, "start", "ISO 8601", id="bad-time"),
        pytest.param(
            with_line(
                9,
                lines=[
                    {"product": "calling", "licenses": 1},
                    {"product": "calling", "licenses": 2},
                ],
            ),
            10,
            "lines[1].product",
            "more than once",
            id="duplicate-product",
        ),
        pytest.param(
            with_line(9, lines=[{"product": "calling", "licenses": -1}]),
            10,
            "lines[0].licenses",
            "0 to",
            id="negative-licenses",
        ),
        pytest.param(
            with_line(9, lines=[{"product": "calling", "licenses": 1.5}]),
            10,
            "lines[0].licenses",
            "whole number",
            id="fractional-licenses",
        ),
        pytest.param(
            with_line(9, lines=[{"product": "fax", "licenses": 1}]),
            10,
            "lines[0].product",
            "not one of",
            id="unknown-product",
        ),
        pytest.param(
            with_line(9, lines=[{"product": "calling", "licenses": 1, "x": 1}]),
            10,
            "lines[0].x",
            "unknown field",
            id="unknown-field-in-lines",
        ),
        pytest.param(
            with_line(9, end="2025-01-01"), 10, "end", "before the start", id="end-before-start"
        ),
        pytest.param(
            with_line(16, to="2026-11-01"),
            17,
            "to",
            "before the start",
            id="unassigned-before-assigned",
        ),
        pytest.param(
            with_line(19, quality={"mos": "good"}), 20, "quality.mos", "number", id="bad-quality"
        ),
        pytest.param(
            with_line(19, quality={"jitter": 3}),
            20,
            "quality.jitter",
            "unknown field",
            id="unknown-quality-field",
        ),
        pytest.param(
            with_line(21, queue={"id": "Q1", "outcome": "hung_up"}),
            22,
            "queue.outcome",
            "not one of",
            id="bad-queue-outcome",
        ),
        pytest.param(
            with_line(21, queue={"wait_s": 3}), 22, "queue.id", "required", id="queue-without-id"
        ),
        pytest.param(
            with_line(21, features=["teleport"]), 22, "features[0]", "not one of", id="bad-feature"
        ),
        pytest.param(
            with_line(4, tags=["a", "b", "c", "d", "e", "f"]), 5, "tags", "at most 5", id="six-tags"
        ),
        pytest.param(with_line(4, tags=["x" * 26]), 5, "tags[0]", "1 to 25", id="long-tag"),
        pytest.param(with_line(22, id="R" * 65), 23, "id", "1 to 64", id="long-id"),
        pytest.param(
            with_line(13, email="jan.contoso.example"), 14, "email", "not an e-mail", id="bad-email"
        ),
        pytest.param(with_line(0, country="Poland"), 1, "country", "two-letter", id="bad-country"),
        pytest.param(
            with_line(12, currency="euro"), 13, "currency", "three-letter", id="bad-currency"
        ),
        pytest.param(
            with_line(11, currency=...),
            12,
            "currency",
            "needs its currency",
            id="amount-without-currency",
        ),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_written(lines, line, field, reason):
    error = refused(lines)

    assert error.total == 1
    (only,) = error.errors
    assert (only.line, only.field) == (line, field)
    assert reason in only.msg


@pytest.mark.parametrize(
    ("lines", "line", "field", "reason"),
    [
        pytest.param(
            with_line(13, customer="C9"), 14, "customer", "no customer 'C9'", id="unknown-customer"
        ),
        pytest.param(
            with_line(4, partner="P9"), 5, "partner", "no partner 'P9'", id="unknown-partner"
        ),
        pytest.param(
            with_line(6, customers=["C1", "C2"]),
            7,
            "customers",
            "no customer 'C2' of this person's partner",
            id="manages-other-partners-customer",
        ),
        pytest.param(
            with_line(7, email="nobody@example.com"),
            8,
            "email",
            "no partner person",
            id="unknown-external-admin",
        ),
        pytest.param(
            with_line(8, customer="C9"),
            9,
            "customer",
            "no customer 'C9'",
            id="login-of-unknown-customer",
        ),
        pytest.param(
            with_line(11, subscription="Tr-1"),
            12,
            "subscription",
            "no subscription 'Tr-1'",
            id="order-of-a-trial",
        ),
        pytest.param(
            with_line(12, subscription="Sub-9"),
            13,
            "subscription",
            "no subscription 'Sub-9'",
            id="invoice-of-unknown",
        ),
        pytest.param(
            with_line(15, user="U9"), 16, "user", "no user 'U9'", id="assignment-of-unknown-user"
        ),
        pytest.param(
            with_line(15, item="Sub-9"),
            16,
            "item",
            "no subscription or trial 'Sub-9'",
            id="assignment-on-unknown-item",
        ),
        pytest.param(
            with_line(18, host="U9"), 19, "host", "no user 'U9' of this customer", id="unknown-host"
        ),
        pytest.param(
            with_line(18, participants=["U9"]),
            19,
            "participants",
            "no user 'U9'",
            id="unknown-participant",
        ),
        pytest.param(
            with_line(19, user="U9"),
            20,
            "user",
            "no user 'U9' of this customer",
            id="call-of-unknown-user",
        ),
        pytest.param(
            with_line(21, queue={"id": "Q9"}),
            22,
            "queue.id",
            "no call queue 'Q9'",
            id="unknown-queue",
        ),
        pytest.param(
            with_line(19, customer="C2"),
            20,
            "user",
            "no user 'U1' of this customer",
            id="user-of-another-customer",
        ),
    ],
)
def test_a_dangling_reference_is_named_and_nothing_is_written(lines, line, field, reason):
    error = refused(lines)

    assert (error.errors[0].line, error.errors[0].field) == (line, field)
    assert reason in error.errors[0].msg


@pytest.mark.parametrize("chunk_lines", [1, 3, 100_000])
def test_a_reference_to_a_later_line_is_refused(chunk_lines):
    # given a user line that comes after the call that refers to it
    lines = [*BASE[:13], BASE[19], BASE[13]]

    error = refused(lines, chunk_lines=chunk_lines)

    assert named(error) == [(14, "user")]
    assert "must exist already or come on an earlier line" in error.errors[0].msg


def test_a_reference_to_a_record_already_in_the_database_is_good():
    load(BASE)

    load(
        [
            {
                "kind": "call",
                "id": "K9",
                "customer": "C1",
                "user": "U1",
                "start": "2026-11-24T08:00:00Z",
                "duration_s": 1,
                "endpoint": "ip_phone",
            }
        ]
    )


def test_a_trial_may_not_take_a_subscription_id():
    lines = base()
    lines.append({**lines[10], "id": "Sub-1"})

    error = refused(lines)

    assert named(error) == [(24, "id")]
    assert "already the id of a subscription" in error.errors[0].msg


def test_a_subscription_may_not_take_the_id_of_a_trial_already_loaded():
    load(BASE)

    error = refused([{**BASE[9], "id": "Tr-1"}])

    assert named(error) == [(1, "id")]
    assert "already the id of a trial" in error.errors[0].msg


def test_every_bad_line_is_named_in_line_order():
    lines = base()
    lines[4]["created"] = "soon"
    lines[12]["subscription"] = "Sub-9"
    lines[19]["colour"] = "red"
    lines[19]["endpoint"] = "fax"

    error = refused(lines)

    assert named(error) == [(5, "created"), (13, "subscription"), (20, "colour"), (20, "endpoint")]
    assert error.total == 4


def test_lines_referring_to_a_bad_line_are_not_reported_again():
    lines = base()
    lines[13]["email"] = "not-an-address"  # U1 is bad; K1, M1 and an assignment refer to it

    error = refused(lines)

    assert named(error) == [(14, "email")]


def test_a_bad_line_after_merged_chunks_still_writes_nothing():
    lines = [*BASE, {**BASE[-2], "id": "K9", "user": "U9"}]

    error = refused(lines, chunk_lines=2, batch_lines=1)

    assert named(error) == [(24, "user")]


def test_more_than_100_bad_lines_report_the_first_100_and_count_the_rest():
    lines = [*BASE, *({"kind": "partner", "id": f"X{i}"} for i in range(150))]

    error = refused(lines)

    assert error.total == 150
    assert len(error.errors) == 100
    assert [e.line for e in error.errors] == list(range(24, 124))
    assert error.not_shown == 50
    assert "50 more" in error.more_note()
    assert error.as_dict()["error_count"] == 150


def test_more_than_100_dangling_references_are_counted_too():
    lines = [*BASE, *({**BASE[13], "id": f"U{i + 10}", "customer": "C9"} for i in range(120))]

    error = refused(lines)

    assert (error.total, len(error.errors)) == (120, 100)


def test_files_are_named_with_their_own_line_numbers(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_bytes(jsonl(BASE))
    bad = tmp_path / "b.jsonl.gz"
    bad.write_bytes(gzip.compress(jsonl([BASE[13], {**BASE[13], "id": "U7", "customer": "C9"}])))
    before = table_counts()

    with pytest.raises(LoadError) as caught:
        dataset_load(paths=[str(good), str(bad)])

    assert table_counts() == before
    (error,) = caught.value.errors
    assert (error.file, error.line, error.field) == (str(bad), 2, "customer")
    assert str(error).startswith(f"{bad}:2: customer: no customer 'C9'")


def test_the_load_command_prints_every_bad_line_and_fails(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl([*BASE, {"kind": "partner"}]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load", str(path), stderr=err)

    assert f"{path}:24: id: this field is required" in err.getvalue()
    assert f"{path}:24: name: this field is required" in err.getvalue()


def test_the_load_command_reads_gzip_files(tmp_path):
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(BASE)))
    out = io.StringIO()

    call_command("load", str(path), stdout=out)

    assert "Loaded 23 lines" in out.getvalue()
    assert table_counts()["activity.Call"] == 3


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_the_load_command_reads_standard_input(monkeypatch, compress):
    data = jsonl(BASE)
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(data) if compress else data))
    monkeypatch.setattr(sys, "stdin", stdin)
    out = io.StringIO()

    call_command("load", "-", stdout=out)

    assert "Loaded 23 lines" in out.getvalue()
    assert table_counts()["customers.Customer"] == 2


def test_the_load_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load", str(tmp_path / "nope.jsonl"))


def test_a_line_error_reads_as_file_line_field_reason():
    error = LineError(seq=7, field="start", msg="bad", file="a.jsonl", line=7)

    assert str(error) == "a.jsonl:7: start: bad"
    assert error.as_dict() == {"line": 7, "field": "start", "msg": "bad", "file": "a.jsonl"}


def test_a_broken_gzip_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(BASE))[:-40])
    before = table_counts()

    with pytest.raises(CommandError, match=r"cut\.jsonl\.gz: cannot be read.*nothing was written"):
        call_command("load", str(path))

    assert table_counts() == before


def test_a_line_longer_than_1_mib_is_a_bad_line(monkeypatch):
    from partnerhub.ingest import reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 400)
    lines = [*BASE[:3], {"kind": "partner", "id": "P3", "name": "x" * 500}, *BASE[3:]]

    error = refused(lines)

    assert named(error) == [(4, None)]
    assert "longer than 1 MiB" in error.errors[0].msg


def test_an_error_without_a_line_reads_as_its_reason():
    assert str(LineError(seq=1, field=None, msg="broken", file=None, line=None)) == "broken"
