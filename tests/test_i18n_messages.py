"""Texts built in Python follow the reader's language: API validation messages, labels computed
once at import, background exports, order lines and the activity trail's action names."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext
from openpyxl import load_workbook

from partnerhub.api.errors import translated_errors
from partnerhub.calling.charts import ENDPOINT_LABELS
from partnerhub.core.audit_selectors import ACTION_LABELS
from partnerhub.core.exports import xlsx_bytes
from partnerhub.core.views import Column
from partnerhub.customers.models import CustomerExport
from tests.customers_factories import OrderFactory, day
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- API validation messages -------------------------------------------------------------------


def test_an_english_caller_reads_pydantics_own_validation_message(
    full_admin: Any, api_client: Any
) -> None:
    # given a trial whose licenses are not a number
    body = {"customer_id": "C1", "lines": [{"product": "calling", "licenses": "many"}]}
    # when an English caller posts it
    response = api_client(full_admin).post(
        "/api/v1/trials", data=json.dumps(body), content_type="application/json"
    )
    # then the message is pydantic's, word for word (the API reference quotes it)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "int_parsing"
    assert error["msg"] == ("Input should be a valid integer, unable to parse string as an integer")


def test_in_polish_each_kind_of_validation_error_reads_from_the_catalog() -> None:
    errors = [
        {"type": "missing", "loc": ["body", "payload", "days"], "msg": "Field required"},
        {
            "type": "literal_error",
            "loc": ["query", "product"],
            "msg": "Input should be 'meetings' or 'calling'",
            "ctx": {"expected": "'meetings' or 'calling'"},
        },
        {
            "type": "greater_than_equal",
            "loc": ["body", "days"],
            "msg": "Input should be greater than or equal to 1",
            "ctx": {"ge": 1},
        },
        {
            "type": "string_too_long",
            "loc": ["body", "name"],
            "msg": "String should have at most 5 characters",
            "ctx": {"max_length": 5},
        },
        {"type": "custom_kind", "loc": ["body"], "msg": "kept as it is"},
    ]
    with translation.override("pl"):
        answered = [e["msg"] for e in translated_errors(errors)]
        or_word = pgettext("one value or another", "or")
        assert answered == [
            gettext("Field required"),
            gettext("Input should be %(expected)s")
            % {"expected": f"'meetings' {or_word} 'calling'"},
            gettext("Input should be greater than or equal to %(ge)s") % {"ge": 1},
            ngettext(
                "String should have at most %(n)s character",
                "String should have at most %(n)s characters",
                5,
            )
            % {"n": 5},
            "kept as it is",
        ]
        assert answered[0] != "Field required", "the Polish catalog has no 'Field required'"
    # the locations and kinds are machine-readable: never translated
    assert [e["loc"] for e in translated_errors(errors)] == [e["loc"] for e in errors]


def test_in_english_validation_errors_are_left_exactly_as_pydantic_wrote_them() -> None:
    errors = [{"type": "missing", "loc": ["body", "x"], "msg": "Field required"}]
    with translation.override("en"):
        assert translated_errors(errors) is errors


def test_a_missing_object_answers_404_in_the_callers_language(
    full_admin: Any, api_client: Any
) -> None:
    response = api_client(full_admin).get("/api/v1/customers/NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such customer."}
    with translation.override("pl"):
        assert gettext("No such customer.") != "No such customer.", "not in the Polish catalog"


# --- Labels that used to be frozen at import time ---------------------------------------------


def test_endpoint_labels_of_the_calling_page_follow_the_active_language() -> None:
    with translation.override("en"):
        assert str(ENDPOINT_LABELS["ip_phone"]) == "IP phone"
    with translation.override("pl"):
        assert str(ENDPOINT_LABELS["ip_phone"]) == gettext("IP phone") != "IP phone"


def test_every_recorded_action_has_a_name_in_words() -> None:
    recorded = {
        "person.activate",
        "person.deactivate",
        "password.set",
        "org.setup",
        "dataset.load",
        "resources.sync_guide",
        "resources.load_curated",
    }
    assert recorded <= ACTION_LABELS.keys()


# --- Exports -----------------------------------------------------------------------------------


def test_a_background_export_is_written_in_the_language_of_who_asked_for_it(
    full_admin: Any,
    partner: Any,
    monkeypatch: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a Polish person whose export is too large to answer at once
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("partnerhub.customers.views.EXPORT_INLINE_MAX", 1)
    full_admin.language = "pl"
    full_admin.save(update_fields=["language"])
    for name in ("Contoso", "Fabrikam"):
        CustomerFactory(partner=partner, name=name)
    # when the export runs in the background (no request, so no language of its own)
    with django_capture_on_commit_callbacks(execute=True):
        _client_for(full_admin).get("/customers/", {"export": "csv"})
    export = CustomerExport.objects.get()
    assert export.state == "ready"
    text = (tmp_path / "exports" / export.file).read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    # then its headers are Polish
    with translation.override("pl"):
        assert header[0] == gettext("Name") != "Name"
        assert header[-1] == gettext("Date added")


def test_an_xlsx_sheet_without_a_title_is_named_in_the_readers_language() -> None:
    columns = [Column("name", "Name")]
    with translation.override("en"):
        english = load_workbook(io.BytesIO(xlsx_bytes(columns, []))).active
    with translation.override("pl"):
        polish = load_workbook(io.BytesIO(xlsx_bytes(columns, []))).active
        assert polish.title == pgettext("the name of a spreadsheet's sheet", "Export")
    assert english.title == "Export"


def test_lazy_labels_are_written_as_text_into_a_spreadsheet() -> None:
    columns = [Column("status", gettext_lazy("Status"))]
    rows = [{"status": gettext_lazy("Trial")}]
    with translation.override("en"):
        sheet = load_workbook(io.BytesIO(xlsx_bytes(columns, rows))).active
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [["Status"], ["Trial"]]


# --- Pages and commands ------------------------------------------------------------------------


def test_order_lines_name_their_products(full_admin: Any, partner: Any) -> None:
    customer = CustomerFactory(partner=partner, ext_id="C1", name="Contoso")
    item = ItemFactory(customer=customer, end=day(40), lines={"calling": 10})
    OrderFactory(item=item, lines=[{"product": "calling", "licenses": 10}])
    html = _client_for(full_admin).get("/customers/C1/", {"tab": "subscriptions"}).content
    assert "Webex Calling: 10" in html.decode()


def test_a_command_error_is_a_sentence_in_the_active_language() -> None:
    msgid = "email: no person with the e-mail %(email)s"
    with translation.override("en"), pytest.raises(CommandError) as english:
        call_command("token", "create", "nobody@nowhere.example")
    assert str(english.value) == "email: no person with the e-mail 'nobody@nowhere.example'"
    with translation.override("pl"):
        template = gettext(msgid)
        with pytest.raises(CommandError) as polish:
            call_command("token", "create", "nobody@nowhere.example")
    assert template != msgid, "not in the Polish catalog"
    assert str(polish.value) == template % {"email": "'nobody@nowhere.example'"}


# --- The command line: the terminal's language ------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "pl_PL.UTF-8"}, "pl"),
        ({"LANG": "pl_PL"}, "pl"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),  # C: no choice, the default
        ({"LANG": "de_DE.UTF-8"}, "en"),  # not spoken here: the default
        ({}, "en"),
        ({"LANGUAGE": "pl:en", "LANG": "en_US.UTF-8"}, "pl"),  # LANGUAGE first
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "pl_PL.UTF-8"}, "en"),  # LC_ALL before LANG
        ({"LC_MESSAGES": "pl_PL.UTF-8", "LANG": "en_US.UTF-8"}, "pl"),
        ({"LANGUAGE": "", "LC_ALL": "", "LANG": "pl_PL.UTF-8@euro"}, "pl"),
    ],
)
def test_the_command_line_speaks_the_terminal_s_language(environ: dict, expected: str) -> None:
    from partnerhub.core.language import terminal_language

    assert terminal_language(environ) == expected


@pytest.mark.parametrize(
    ("lang", "description", "option"),
    [
        ("pl_PL.UTF-8", "Wczytaj pliki danych w formacie JSON Lines", "bez paska postępu"),
        ("en_US.UTF-8", "Load dataset files in the JSON Lines format", "no progress bar"),
    ],
)
def test_partnerhub_help_reads_in_the_terminal_s_language(
    lang: str, description: str, option: str
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    environ["LANG"] = lang
    result = subprocess.run(
        [str(Path(sys.executable).parent / "partnerhub"), "load", "--help"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    flat = " ".join(result.stdout.split())  # argparse wraps lines at the terminal's width
    assert description in flat
    assert option in flat
