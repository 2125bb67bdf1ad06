"""Digests: daily and weekly (Mondays), once per period, only when there is something to say,
in the person's language, with absolute links; and the e-mail channel of a rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from partnerhub.alerts.digests import period_key, send_digests
from partnerhub.alerts.models import Alert, DigestSent
from partnerhub.core.choices import Role
from tests.alerts_factories import D, active_customer, evaluate, rule, trial
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 30)


def days(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


@pytest.fixture
def alerted(partner: Any) -> Any:
    customer = active_customer(partner, "Contoso", ext_id="C-1")
    trial(customer, end=days(5), ext_id="Trial-1")
    evaluate()
    return customer


def test_the_period_keys() -> None:
    assert period_key("daily", dt.date(2026, 12, 7)) == "2026-12-07"
    assert period_key("weekly", dt.date(2026, 12, 7)) == "2026-W50"


def test_a_daily_digest_goes_once_per_day(
    partner: Any, alerted: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.PARTNERHUB_BASE_URL = "https://hub.example"
    person = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily")
    call_command("send_digests")
    call_command("send_digests")
    assert [m.to for m in mailoutbox] == [[person.email]]
    message = mailoutbox[0]
    assert "1 alert needs attention" in message.subject
    assert "The trial Trial-1 of Contoso ends on" in message.body
    assert "https://hub.example/alerts/" in message.body
    assert "https://hub.example/customers/C-1/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and 'href="https://hub.example/customers/C-1/"' in html
    assert DigestSent.objects.filter(user=person, period=D.isoformat()).count() == 1


def test_nothing_to_say_sends_nothing(partner: Any, mailoutbox: Any) -> None:
    UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily")
    active_customer(partner, "Calm")
    evaluate()
    assert send_digests().sent == 0
    assert mailoutbox == []


def test_snoozed_alerts_stay_out_of_the_digest(partner: Any, alerted: Any, mailoutbox: Any) -> None:
    UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily")
    Alert.objects.update(snoozed_until=days(3))
    assert send_digests().sent == 0


def test_weekly_digests_go_on_mondays_only(partner: Any, alerted: Any, mailoutbox: Any) -> None:
    person = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN)  # weekly by default
    assert person.digest == "weekly"
    assert send_digests(as_of=D).sent == 0  # a Thursday
    assert send_digests(as_of=MONDAY).sent == 1
    assert send_digests(as_of=MONDAY).sent == 0
    assert DigestSent.objects.get(user=person).period == "2026-W49"


def test_off_and_people_without_a_partner_role_get_none(
    partner: Any, alerted: Any, mailoutbox: Any
) -> None:
    UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="off")
    UserFactory(partner=partner, role=Role.USER, digest="daily")
    assert send_digests(as_of=MONDAY).sent == 0


def test_a_sales_admin_hears_only_of_its_customers(
    partner: Any, alerted: Any, mailoutbox: Any
) -> None:
    UserFactory(partner=partner, role=Role.SALES_ADMIN, digest="daily")
    assert send_digests().sent == 0


def test_a_polish_person_reads_a_polish_digest(partner: Any, alerted: Any, mailoutbox: Any) -> None:
    UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily", language="pl")
    UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily", language="")
    send_digests()
    assert len(mailoutbox) == 2
    polish, english = mailoutbox
    # the trial ends on 1 December 2026: written the Polish way for the Polish reader (the
    # sentences themselves are Polish once the lead's catalog translates them)
    assert "01.12.2026" in polish.body and "01.12.2026" not in english.body
    assert 'lang="pl"' in polish.alternatives[0][0]
    assert 'lang="en"' in english.alternatives[0][0]


def test_rule_recipients_narrow_who_hears(
    partner: Any, alerted: Any, mailoutbox: Any, full_admin: Any
) -> None:
    other = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, digest="daily")
    full_admin.digest = "daily"
    full_admin.save()
    rule(partner, "trial_expiring").recipients.set([full_admin])
    send_digests()
    assert [m.to for m in mailoutbox] == [[full_admin.email]]
    assert other


def test_the_email_channel_tells_of_new_alerts_at_once(
    partner: Any, people: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rule(partner, "trial_expiring", channels=["in_app", "email"])
    trial(active_customer(partner, "Contoso"), end=days(5), ext_id="Trial-9")
    with django_capture_on_commit_callbacks(execute=True):
        evaluate()
    # everyone who sees the customer (the sales admin manages no customer)
    seeing = {Role.PARTNER_FULL_ADMIN, Role.SALES_FULL_ADMIN, Role.PARTNER_READONLY_ADMIN}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(people[r].email for r in seeing)
    assert all("Trial-9" in m.body for m in mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate()
    assert len(mailoutbox) == 3
