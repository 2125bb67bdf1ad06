"""Choosing the language, and living in it: pages, e-mails, the API, formats, plurals, charts,
the catalog build and the demo (issue 15; README, "Languages")."""

from __future__ import annotations

import datetime as dt
import gettext as gnu_gettext
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from partnerhub.accounts.models import User
from partnerhub.accounts.policy import may_choose_language
from partnerhub.accounts.services import user_language_set
from partnerhub.core.choices import Role
from partnerhub.core.language import (
    by_language,
    grouped,
    license_count,
    percent,
    person_language,
)
from partnerhub.customers.models import CustomerManager, ExternalAdmin
from partnerhub.helpdesk.services import case_open
from partnerhub.subscriptions.services import email_after_commit
from partnerhub.trials.services import trial_start
from tests.conftest import PASSWORD, api_client_for
from tests.factories import CustomerFactory, ItemFactory, UserFactory
from tests.helpdesk_factories import HelpdeskUserFactory

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
LANGUAGE_URL = "/accounts/language/"
NBSP = "\xa0"


def polish(msgid: str) -> str:
    """The catalog's Polish for `msgid`, which must be translated (else a test of Polish text
    would pass on English)."""
    with translation.override("pl"):
        text = gettext(msgid)
    assert text != msgid, f"no Polish translation of {msgid!r}"
    return text


def signed_in(user: Any, **headers: Any) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def html_lang(response: Any) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page names no language"
    return match.group(1)


# --- The profile's language, and who decides before there is one ---------------------------


def test_a_new_person_has_chosen_no_language_so_their_browser_decides(full_admin):
    # Given a person who never chose
    assert full_admin.language == ""
    # When their browser asks for Polish
    response = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="pl-PL,pl;q=0.9").get("/customers/")
    # Then the page is Polish
    assert response.status_code == 200
    assert html_lang(response) == "pl" and response["Content-Language"] == "pl"


def test_the_persons_choice_wins_over_the_browser_and_the_cookie(full_admin):
    full_admin.language = "pl"
    full_admin.save()
    client = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/customers/")

    assert html_lang(response) == "pl" and response["Content-Language"] == "pl"
    assert polish("Sign out") in response.content.decode()


def test_an_english_persons_pages_stay_english_in_a_polish_browser(full_admin):
    full_admin.language = "en"
    full_admin.save()
    response = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="pl").get("/customers/")
    assert html_lang(response) == "en" and ">Sign out<" in response.content.decode()


def test_before_signing_in_accept_language_decides_and_the_switchers_cookie_beats_it():
    browser = Client(HTTP_ACCEPT_LANGUAGE="pl")
    assert html_lang(browser.get("/accounts/login/")) == "pl"
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert html_lang(browser.get("/accounts/login/")) == "en"


def test_urls_are_the_same_in_both_languages(full_admin):
    full_admin.language = "pl"
    full_admin.save()
    assert signed_in(full_admin).get("/customers/").status_code == 200
    assert signed_in(full_admin).get("/pl/customers/").status_code == 404


def test_a_chosen_language_costs_no_query_on_a_page(full_admin, partner):
    # Given a few customers, and the same page for a person without a choice and with one
    for _ in range(3):
        CustomerFactory(partner=partner)
    client = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="en")
    client.get("/customers/")  # warm the caches every page shares

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/customers/").status_code == 200
        return len(ctx.captured_queries)

    browser_decides = queries()
    user_language_set(user=full_admin, language="pl")
    assert queries() == browser_decides


# --- The switcher ---------------------------------------------------------------------------


def test_the_user_menu_and_the_sign_in_page_offer_every_language(full_admin):
    for response in (Client().get("/accounts/login/"), signed_in(full_admin).get("/customers/")):
        page = response.content.decode()
        switcher = page[page.index('data-testid="language-switcher"') :]
        assert f'action="{LANGUAGE_URL}"' in page
        for code in dict(settings.LANGUAGES):
            assert f'name="language" value="{code}"' in switcher
        assert 'lang="pl"' in switcher and "Polski" in switcher and "English" in switcher


def test_choosing_before_signing_in_sets_the_cookie_and_nothing_else(full_admin):
    before = list(User.objects.values_list("email", "language").order_by("email"))
    response = Client().post(
        LANGUAGE_URL, {"language": "pl", "next": "/accounts/login/?next=/customers/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/customers/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "pl" and cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert list(User.objects.values_list("email", "language").order_by("email")) == before


@pytest.mark.parametrize("who", [*[r.value for r in Role], "helpdesk", "operator"])
def test_every_signed_in_person_keeps_their_own_choice_on_their_profile(people, who):
    person = {
        "helpdesk": lambda: HelpdeskUserFactory(),
        "operator": lambda: UserFactory(partner=None, is_staff=True, is_superuser=True),
    }.get(who, lambda: people[who])()
    others = list(User.objects.exclude(pk=person.pk).values_list("pk", "language"))
    assert may_choose_language(person)

    response = signed_in(person).post(LANGUAGE_URL, {"language": "pl", "next": "/customers/"})

    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    person.refresh_from_db()
    assert person.language == "pl"
    assert list(User.objects.exclude(pk=person.pk).values_list("pk", "language")) == others


def test_nobody_but_a_signed_in_active_person_may_choose_on_a_profile(full_admin):
    from django.contrib.auth.models import AnonymousUser

    assert not may_choose_language(AnonymousUser())
    full_admin.is_active = False
    assert not may_choose_language(full_admin)


def test_the_choice_survives_signing_out_and_in(full_admin):
    browser = Client()
    browser.post("/accounts/login/", {"username": full_admin.email, "password": PASSWORD})
    browser.post(LANGUAGE_URL, {"language": "pl", "next": "/customers/"})
    browser.post("/accounts/logout/")
    # The sign-in page keeps the language (the cookie) ...
    assert html_lang(browser.get("/accounts/login/")) == "pl"
    # ... and a new browser, once signed in, follows the profile
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.post("/accounts/login/", {"username": full_admin.email, "password": PASSWORD})
    assert html_lang(other.get("/customers/")) == "pl"


def test_an_empty_choice_hands_the_language_back_to_the_browser(full_admin):
    user_language_set(user=full_admin, language="pl")
    client = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(LANGUAGE_URL, {"language": "", "next": "/customers/"})
    full_admin.refresh_from_db()
    assert full_admin.language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert html_lang(client.get("/customers/")) == "en"


@pytest.mark.parametrize("language", ["de", "pl-XX-long-nonsense", "<script>"])
def test_a_language_not_offered_changes_nothing(full_admin, language):
    response = signed_in(full_admin).post(LANGUAGE_URL, {"language": language, "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    full_admin.refresh_from_db()
    assert full_admin.language == ""


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_switcher_only_goes_back_to_partner_hub(full_admin, next_url):
    response = signed_in(full_admin).post(LANGUAGE_URL, {"language": "pl", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_without_next_the_switcher_goes_back_to_the_referring_page(full_admin):
    response = signed_in(full_admin).post(
        LANGUAGE_URL, {"language": "pl"}, HTTP_REFERER="http://testserver/helpdesk/"
    )
    assert response["Location"] == "http://testserver/helpdesk/"


def test_the_switcher_takes_only_post():
    assert Client().get(LANGUAGE_URL).status_code == 405


def test_the_switcher_needs_the_csrf_token(full_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(full_admin)
    assert client.post(LANGUAGE_URL, {"language": "pl"}).status_code == 403
    full_admin.refresh_from_db()
    assert full_admin.language == ""


def test_the_profile_refuses_a_language_not_offered(full_admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_language_set(user=full_admin, language="de")


# --- E-mails in the recipient's language ----------------------------------------------------


def test_invitations_are_written_in_the_inviters_language(
    partner, django_capture_on_commit_callbacks
):
    english = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, language="en")
    polish_admin = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, language="pl")
    for inviter, email in (
        (english, "anne@northwind.example"),
        (polish_admin, "ola@northwind.example"),
    ):
        # (each from a browser asking for the other language: the profile decides)
        browser = "pl" if inviter.language == "en" else "en"
        with django_capture_on_commit_callbacks(execute=True):
            signed_in(inviter, HTTP_ACCEPT_LANGUAGE=browser).post(
                "/accounts/users/invite/", {"email": email, "name": "New", "role": "user"}
            )
    english_mail, polish_mail = mail.outbox
    assert english_mail.to == ["anne@northwind.example"]
    assert english_mail.subject == f"You are invited to {partner.name} on Partner Hub"
    assert polish_mail.to == ["ola@northwind.example"]
    with translation.override("pl"):
        expected = gettext("You are invited to %(partner)s on Partner Hub") % {
            "partner": partner.name
        }
    assert polish_mail.subject == expected != english_mail.subject


def test_the_reset_e_mail_follows_the_persons_language_not_the_browsers(partner):
    english = UserFactory(partner=partner, language="en", email="en@northwind.example")
    polish_person = UserFactory(partner=partner, language="pl", email="pl@northwind.example")
    undecided = UserFactory(partner=partner, language="", email="none@northwind.example")

    Client(HTTP_ACCEPT_LANGUAGE="pl").post("/accounts/password/reset/", {"email": english.email})
    Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/password/reset/", {"email": polish_person.email}
    )
    Client(HTTP_ACCEPT_LANGUAGE="pl").post("/accounts/password/reset/", {"email": undecided.email})

    to_english, to_polish, to_undecided = mail.outbox
    assert to_english.subject == "Reset your Partner Hub password"
    assert "Choose a new password here:" in to_english.body
    assert to_polish.subject == polish("Reset your Partner Hub password")
    assert polish("Choose a new password here:") in to_polish.body
    # Someone who never chose is written to in the language of the page they asked on
    assert to_undecided.subject == polish("Reset your Partner Hub password")


def _fail_sign_ins(email: str) -> None:
    """Enough failures from several addresses to lock the e-mail everywhere (mails a link)."""
    per_address = settings.LOGIN_MAX_FAILURES
    addresses = -(-settings.LOGIN_IDENTITY_MAX_FAILURES // per_address)
    for n in range(addresses):
        client = Client(REMOTE_ADDR=f"10.9.0.{n + 1}", HTTP_ACCEPT_LANGUAGE="en")
        for _ in range(per_address):
            client.post("/accounts/login/", {"username": email, "password": "wrong"})


def test_the_unlock_e_mail_is_in_the_persons_language(partner):
    english = UserFactory(partner=partner, language="en", email="en@northwind.example")
    polish_person = UserFactory(partner=partner, language="pl", email="pl@northwind.example")
    _fail_sign_ins(english.email)
    _fail_sign_ins(polish_person.email)
    to_english, to_polish = mail.outbox
    assert to_english.to == [english.email] and to_polish.to == [polish_person.email]
    assert to_english.subject == "Unlock signing in to Partner Hub"
    assert to_polish.subject == polish("Unlock signing in to Partner Hub")


def test_helpdesk_mail_goes_to_each_reader_in_their_language(
    partner, django_capture_on_commit_callbacks
):
    # Given a Polish person who opens a case, and a team of one English and two Polish agents
    opener = UserFactory(partner=partner, role=Role.PARTNER_FULL_ADMIN, language="pl")
    english_agent = HelpdeskUserFactory(language="en", email="agent.en@helpdesk.example")
    HelpdeskUserFactory(language="pl", email="agent.pl@helpdesk.example")
    HelpdeskUserFactory(language="", email="agent.default@helpdesk.example")
    # When they open it from an English browser
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        case = case_open(
            user=opener, area="calling", severity=3, subject="Echo", description="Echo on calls."
        )
    # Then the opener's copy is Polish, and the team gets one e-mail per language
    by_to = {tuple(sorted(m.to)): m for m in mail.outbox}
    assert set(by_to) == {
        (opener.email,),
        ("agent.default@helpdesk.example", english_agent.email),
        ("agent.pl@helpdesk.example",),
    }
    new_case_pl = polish("New case")
    for to in ((opener.email,), ("agent.pl@helpdesk.example",)):
        assert by_to[to].subject == f"[{case.number}] {new_case_pl}: Echo"
        assert polish("Open the case") in by_to[to].body
    english = by_to[("agent.default@helpdesk.example", english_agent.email)]
    assert english.subject == f"[{case.number}] New case: Echo"
    assert "Open the case" in english.body


def test_customer_e_mails_keep_the_language_of_the_action_that_sent_them(
    partner, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(partner=partner, name="Contoso")
    context = {"customer": customer, "subscription": None, "partner": partner}
    with django_capture_on_commit_callbacks(execute=True):
        with translation.override("pl"):
            email_after_commit(
                "subscriptions/email/ready_subject.txt",
                "subscriptions/email/ready_body.txt",
                context,
                "admin@contoso.example",
            )
        # (the transaction commits while another language is active)
        translation.activate("en")
    [sent] = mail.outbox
    with translation.override("pl"):
        expected = gettext("Your Webex organization %(name)s is ready") % {"name": "Contoso"}
    assert sent.subject == expected != "Your Webex organization Contoso is ready"


def test_people_are_grouped_by_the_language_to_write_to_them_in():
    people = [("a@x", "pl"), ("b@x", ""), ("c@x", "en"), ("d@x", "xx")]
    assert by_language(people) == {"pl": ["a@x"], "en": ["b@x", "c@x", "d@x"]}
    assert by_language(people, fallback="pl") == {"pl": ["a@x", "b@x", "d@x"], "en": ["c@x"]}
    assert person_language(type("P", (), {"language": "pl-PL"})()) == "pl"


# --- The API -------------------------------------------------------------------------------


def test_the_api_answers_in_the_tokens_persons_language(people):
    person = people[Role.USER]
    user_language_set(user=person, language="pl")
    response = api_client_for(person).get("/api/v1/customers")
    assert response.status_code == 403
    assert response.json()["detail"] == polish("Your role does not allow this.")
    assert response["Content-Language"] == "pl"


def test_accept_language_wins_over_the_tokens_person_when_given(people):
    person = people[Role.USER]
    user_language_set(user=person, language="pl")
    client = api_client_for(person)
    response = client.get("/api/v1/customers", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert response.json()["detail"] == "Your role does not allow this."
    assert response["Content-Language"] == "en"
    # A language Partner Hub does not speak leaves the person's own
    response = client.get("/api/v1/customers", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "pl"


def test_an_english_token_person_asking_in_polish_is_answered_in_polish(people):
    person = people[Role.USER]
    user_language_set(user=person, language="en")
    response = api_client_for(person).get("/api/v1/customers", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.json()["detail"] == polish("Your role does not allow this.")
    assert response["Content-Language"] == "pl"


def test_without_a_token_accept_language_decides_even_over_the_cookie():
    client = Client(HTTP_ACCEPT_LANGUAGE="pl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json()["detail"] == polish(
        "Authentication required: send Authorization: Bearer TOKEN."
    )
    assert response["Content-Language"] == "pl"


def test_the_signed_in_sessions_api_calls_follow_the_person(full_admin):
    user_language_set(user=full_admin, language="pl")
    response = signed_in(full_admin).get("/api/v1/customers/NO-SUCH")
    assert response.status_code == 404 and response["Content-Language"] == "pl"


# --- Formats --------------------------------------------------------------------------------

DAY = dt.date(2026, 12, 5)


def test_dates_in_polish_long_and_short():
    with translation.override("pl"):
        assert date_format(DAY, "DATE_FORMAT") == "5 grudnia 2026"
        assert date_format(DAY, "SHORT_DATE_FORMAT") == "05.12.2026"
    with translation.override("en"):
        assert date_format(DAY, "DATE_FORMAT") == "December 5, 2026"
        assert date_format(DAY, "SHORT_DATE_FORMAT") == "2026-12-05"


def test_a_subscription_s_term_shows_the_readers_short_date(full_admin, partner):
    # Given a subscription from 5 December 2026 to 4 December 2027
    customer = CustomerFactory(partner=partner, ext_id="C1")
    ItemFactory(customer=customer, start=DAY, end=dt.date(2027, 12, 4))
    # Then its term reads 05.12.2026 – 04.12.2027 to a Polish person, ISO to an English one
    for language, term in [("pl", "05.12.2026 – 04.12.2027"), ("en", "2026-12-05 – 2027-12-04")]:
        full_admin.language = language
        full_admin.save()
        page = signed_in(full_admin).get("/customers/C1/", {"tab": "subscriptions"})
        assert term in page.content.decode(), language


def test_numbers_use_the_languages_separators():
    with translation.override("pl"):
        assert intcomma(1234567) == f"1{NBSP}234{NBSP}567"
        assert grouped(1234.5) == f"1{NBSP}234,5"
        assert floatformat(1234.5, "1g") == f"1{NBSP}234,5"
        assert Template("{{ x }}").render(Context({"x": 12.5})) == "12,5"
    with translation.override("en"):
        assert intcomma(1234567) == "1,234,567"
        assert grouped(1234.5) == "1,234.5"


def test_percentages_in_both_languages():
    with translation.override("pl"):
        assert percent(12.5) == "12,5%" and percent(40.0) == "40%" and percent(33.333) == "33,3%"
    with translation.override("en"):
        assert percent(12.5) == "12.5%" and percent(1234.56, 0) == "1,235%"
    assert percent(None) == "—"
    rendered = Template("{% load locale_formats %}{{ v|percent }} {{ w|percent:0 }}")
    with translation.override("pl"):
        assert rendered.render(Context({"v": 7.25, "w": 99.6})) == "7,2% 100%"


def test_relative_times_in_polish():
    three_days_ago = timezone.now() - dt.timedelta(days=3, minutes=1)
    with translation.override("pl"):
        assert naturaltime(three_days_ago) == f"3{NBSP}dni temu"
    with translation.override("en"):
        assert naturaltime(three_days_ago) == f"3{NBSP}days ago"


def test_a_date_field_stays_iso_in_polish_for_the_browsers_date_picker():
    class Form(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    with translation.override("pl"):
        assert 'value="2026-12-05"' in str(Form(initial={"day": DAY})["day"])
        for typed in ("2026-12-05", "05.12.2026"):
            form = Form({"day": typed})
            assert form.is_valid() and form.cleaned_data["day"] == DAY


# --- Plural forms ---------------------------------------------------------------------------

POLISH_LICENSES = {
    1: "1 licencja",
    2: "2 licencje",
    5: "5 licencji",
    12: "12 licencji",
    22: "22 licencje",
    25: "25 licencji",
}


@pytest.mark.parametrize(("n", "expected"), POLISH_LICENSES.items())
def test_polish_counts_licenses_with_its_three_plural_forms(n, expected):
    with translation.override("pl"):
        assert license_count(n) == expected
        template = Template("{% load locale_formats %}{{ n|license_count }}")
        assert template.render(Context({"n": n})) == expected


@pytest.mark.parametrize(("n", "expected"), [(1, "1 licencja"), (22, "22 licencje")])
def test_a_trial_invitation_counts_its_licenses_in_the_senders_language(
    full_admin, django_capture_on_commit_callbacks, n, expected
):
    user_language_set(user=full_admin, language="pl")
    new_customer = {"name": "Contoso", "admin_email": "it@contoso.example", "country": "PL"}
    with translation.override("pl"), django_capture_on_commit_callbacks(execute=True):
        trial_start(actor=full_admin, new_customer=new_customer, lines={"calling": n}, days=30)
    [invitation] = mail.outbox
    assert f"Webex Calling: {expected}" in invitation.body


def test_english_counts_licenses_with_two_forms():
    with translation.override("en"):
        assert [license_count(n) for n in (1, 2, 5, 1234)] == [
            "1 license",
            "2 licenses",
            "5 licenses",
            "1,234 licenses",
        ]


def test_the_catalog_declares_polishs_three_plural_forms():
    po = (REPO / "src/partnerhub/locale/pl/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "nplurals=3;" in po


# --- Charts ---------------------------------------------------------------------------------


def test_the_polish_chart_locale_is_served_and_named_on_polish_pages(full_admin):
    assert finders.find("vendor/apexcharts/locales/pl.json")
    polish_page = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="pl").get("/customers/")
    assert 'data-chart-locale="/static/vendor/apexcharts/locales/pl.json"' in (
        polish_page.content.decode()
    )
    english_page = signed_in(full_admin, HTTP_ACCEPT_LANGUAGE="en").get("/customers/")
    assert "data-chart-locale" not in english_page.content.decode()


def test_app_js_sets_the_chart_locale_from_the_page():
    script = (REPO / "src/partnerhub/static/partnerhub/app.js").read_text(encoding="utf-8")
    assert "document.documentElement.lang" in script
    assert "dataset.chartLocale" in script and "defaultLocale" in script
    assert "Intl.NumberFormat" in script


# --- The catalog build ----------------------------------------------------------------------


def _compiler() -> Any:
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import compile_messages
    finally:
        sys.path.remove(str(REPO / "tools"))
    return compile_messages


def test_compiled_catalogs_are_build_output_not_committed():
    assert "*.mo" in (REPO / ".gitignore").read_text().splitlines()
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^install:.*\bcatalogs\b", makefile, re.M)
    assert re.search(r"^catalogs:.*\n\t.*tools/compile_messages.py", makefile, re.M)
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert tracked.stdout.strip() == ""


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs GNU msgfmt (make system-deps)")
def test_the_python_compiler_builds_the_same_catalog_as_msgfmt(tmp_path):
    compiler = _compiler()
    # (a copy: both compilers read the same text even if the catalog is being rebuilt)
    po = tmp_path / "django.po"
    shutil.copyfile(REPO / "src/partnerhub/locale/pl/LC_MESSAGES/django.po", po)
    reference = tmp_path / "msgfmt.mo"
    subprocess.run(["msgfmt", "-o", str(reference), str(po)], check=True)
    ours = compiler.mo_bytes(compiler.parse_po(po))
    catalog = gnu_gettext.GNUTranslations(io.BytesIO(ours))
    expected = gnu_gettext.GNUTranslations(reference.open("rb"))
    assert catalog._catalog == expected._catalog  # type: ignore[attr-defined]
    assert catalog.ngettext("%(n)s license", "%(n)s licenses", 22) == "%(n)s licencje"


def test_the_python_compiler_leaves_fuzzy_and_untranslated_entries_out(tmp_path):
    compiler = _compiler()
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Guess"\nmsgstr "Zgadnij"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgctxt "KPI"\nmsgid "Line "\n"two"\nmsgstr "Linia "\n"dwa"\n',
        encoding="utf-8",
    )
    catalog = gnu_gettext.GNUTranslations(io.BytesIO(compiler.mo_bytes(compiler.parse_po(po))))
    assert catalog.gettext("Guess") == "Guess" and catalog.gettext("Empty") == "Empty"
    assert catalog.pgettext("KPI", "Line two") == "Linia dwa"


# --- The demo -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_polish_person_per_role_and_says_how_to_switch(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    with translation.override("en"):
        call_command("demo", "--customers", "20", "--no-serve", stdout=out)
    text = out.getvalue()
    polish_people = User.objects.filter(language="pl")
    roles = {p.role for p in polish_people if p.partner_id}
    assert roles == set(Role.values)
    assert polish_people.filter(is_helpdesk=True, partner=None).count() == 1
    for person in polish_people:
        assert person.check_password("partnerhub-demo")
        assert re.search(rf"{re.escape(person.email)}\s+reads Partner Hub in Polish", text)
    assert "user menu" in text and "sign-in form" in text
    # The Polish sales administrator sees the customers of the English one
    ewa = User.objects.get(email="ewa.mazur@northwind.example")
    magdalena = polish_people.get(role=Role.SALES_ADMIN)
    managed = CustomerManager.objects.values_list("customer", flat=True)
    assert set(managed.filter(user=ewa))
    assert set(managed.filter(user=magdalena)) == set(managed.filter(user=ewa))
    anna = User.objects.get(email="anna.nowak@northwind.example")
    katarzyna = polish_people.get(role=Role.PARTNER_FULL_ADMIN)
    assert ExternalAdmin.objects.filter(user=katarzyna).count() == (
        ExternalAdmin.objects.filter(user=anna).count()
    )
    # A second start adds nobody
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert User.objects.filter(language="pl").count() == polish_people.count()
