"""`partnerhub demo` prepares a working demo once and starts at once the second time."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from partnerhub.accounts.models import User
from partnerhub.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_loads_data_once_and_prints_one_person_per_role(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", "--customers", "20", "--no-serve", stdout=out)
    text = out.getvalue()
    loaded = Customer.objects.count()
    assert loaded >= 20
    for role in ("Partner full administrator", "Sales administrator", "Partner read-only"):
        assert role in text
    assert "partnerhub-demo" in text
    admin = User.objects.get(email="anna.nowak@northwind.example")
    assert admin.check_password("partnerhub-demo")

    again = io.StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Customer.objects.count() == loaded
