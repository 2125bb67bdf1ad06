"""A Polish-speaking person sees no English (issue 15): real Chromium walks every main page a
person reaches from the navigation, for each kind of person whose pages differ, and fails on any
common English word left in what the page shows or reads out (text, tooltips, labels)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from partnerhub.core.choices import Role
from tests.conftest import PASSWORD

# Common English words, matched as whole words whatever their case. A word that is Polish too is
# left out: "to" ("To pole jest wymagane"), "status" ("Zmień status"), "partner" and
# "administrator" ("Administrator partnera"), "tag" ("Dodaj tag"), "role" ("Role i
# zabezpieczenia"), "token" ("token API"), "limit" and "trend" (docs/glossary.md), "by" ("by
# zobaczyć"), "was" ("dla was"), and "data", "on", "a", "do", "i", "w", "z".
_WORDS = """
    the and of with for your you our from into this that these those are is were has have
    will can cannot not no yes none all any more less show hide open close back next previous
    page pages first last of or at in out up
    customer customers subscription subscriptions trial trials license licenses user users
    administrators admin admins partners roles organization
    search filter filters export save saved cancel delete remove add edit rename apply clear
    name date dates day days week weeks month months year years time total used assigned
    available expiring expired expiry expires renewal renewing renew active suspended
    sign settings help resources resource guide case cases comment comments activity
    language password tokens calls call calling queue quality usage report
    overview details summary tags loading error errors required field invalid unknown
    nothing empty found results result sort sorted ascending descending download refresh
    analytics dashboard view edit new update updated created opened closed manage managed
    launch start started end ends ended extend order orders invoice invoices paid unpaid print
    team people person welcome terms accept step get contact support severity subject
    description attachment attachments assign assignee unassigned member members current
    change changes when who what which why how there here now today yesterday ago soon low
    high over recent feature features endpoint loss packet abandoned wait answer
    answered inbound outbound chart weekly monthly daily average product products type
    article training tool documentation english polish logout account profile message
    messages notification notifications confirm submit send sent reply optional select
    choose links queues items item rows row columns column than been does did it if
"""
ENGLISH_WORDS = frozenset(_WORDS.split())

# Names and abbreviations that stay as they are in Polish (docs/glossary.md, first paragraph):
# products and companies are proper names; formats, units and protocols are read as acronyms.
ALLOWED = (
    "Partner Hub",  # the product's own name
    "Partner Helpdesk",  # the operator's support team's name
    "Control Hub",  # Cisco's administration console
    "Webex Calling Beta",  # product names (the Meetings / Calling toggle is Polish, glossary)
    "Webex Calling",
    "Webex Meetings",
    "Webex Messaging",
    "Contact Center",
    "Real-Time Translations",
    "Webex",
    "Cisco",  # the company
    "CCW",  # Cisco Commerce Workspace, the ordering system's name
    "PSTN",  # the telephone network, an acronym in Polish too
    "CSV",  # file formats
    "XLSX",
    "JSON",
    "PDF",
    "OpenAPI",  # the API description standard's name
    "API",  # application programming interface, "API" in Polish too
    "UTC",  # the time standard
    "KPI",  # the glossary's Polish abbreviation for key performance indicators
    "e-mail",  # the Polish word for e-mail
)

# The pages' own elements that are not prose for a Polish reader: another language's text marks
# itself with `lang` (the language switcher names "English"), code and keys are literal.
SKIPPED = "code, kbd, pre, samp, script, style, template"

COLLECT = """(skipped) => {
  const foreign = (el) => {
    const marked = el.closest('[lang]');
    return !!marked && !marked.getAttribute('lang').toLowerCase().startsWith('pl');
  };
  const out = (el) => !el || foreign(el) || !!el.closest(skipped);
  // 1. What the page shows: its rendered text without the skipped and foreign elements.
  const hidden = [];
  for (const el of document.body.querySelectorAll(skipped + ', [lang]')) {
    if (el.matches(skipped) || foreign(el)) {
      hidden.push([el, el.getAttribute('style')]);
      el.style.setProperty('display', 'none', 'important');
    }
  }
  const shown = document.body.innerText;
  for (const [el, style] of hidden) {
    if (style === null) el.removeAttribute('style'); else el.setAttribute('style', style);
  }
  // 2. Text a person opens later or hears: closed menus, dialogs, options, screen-reader text.
  const more = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text || out(node.parentElement)) continue;
    // <noscript> holds its markup as text while scripts run: its words only.
    more.push(node.parentElement.tagName === 'NOSCRIPT' ? text.replace(/<[^>]*>/g, ' ') : text);
  }
  // 3. Attributes read out or shown on hover, and the caption of input buttons.
  const names = ['title', 'placeholder', 'aria-label', 'aria-description', 'alt',
                 'data-confirm', 'hx-confirm'];
  for (const el of document.body.querySelectorAll('*')) {
    if (out(el)) continue;
    for (const name of names) {
      const value = el.getAttribute(name);
      if (value && value.trim()) more.push('@' + name + '= ' + value.trim());
    }
    if (el.matches('input[type=submit], input[type=button], input[type=reset]') && el.value) {
      more.push('@value= ' + el.value);
    }
  }
  return {shown: shown, more: more.join('\\n'), title: document.title,
          lang: document.documentElement.lang};
}"""


def _without(text: str, phrases: Iterable[str]) -> str:
    """`text` with every phrase (longest first) blanked where it stands as whole words."""
    for phrase in sorted(set(phrases), key=len, reverse=True):
        text = re.sub(rf"(?<![\w@.-]){re.escape(phrase)}(?![\w@-])", " ", text, flags=re.I)
    return text


# Machine text that reads the same in every language: e-mail addresses, the customer list's
# query tokens (`status:expiring_soon`, `tag:gold`), typed as they stand (docs/guide/filters.md),
# the `@title= ` marks COLLECT puts before the attribute values it reports, and identifiers that
# mix letters with digits or underscores (`alr_kxtxesbq22z1at82tev2`, `C1`): the words a random
# id happens to hold ("at") are not English on the page.
MACHINE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w:])[a-z_]+:[\w-]+|(?<!\S)@[a-z-]+= "
    r"|(?<!\w)\w*[\d_]\w*(?!\w)"
)

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def english_in(text: str, data: Iterable[str] = (), parameters: Iterable[str] = ()) -> list[str]:
    """Snippets of `text` around each common English word, once data values and allowed names
    are taken out; empty when the text is Polish.

    `parameters` are the names of the page address's query parameters: a message about a bad
    value names the parameter as it stands in the address ("as_of: oczekiwano daty …")."""
    text = MACHINE.sub(" ", _without(text, data))
    for name in parameters:
        text = re.sub(rf"(?<![\w-]){re.escape(name)}:", " ", text)
    # Allowed names go wherever they stand: innerText glues neighbouring badges
    # ("MeetingsReal-Time Translations") that the page shows apart.
    for name in sorted(ALLOWED, key=len, reverse=True):
        text = text.replace(name, " ")
    snippets: list[str] = []
    for line in text.splitlines():
        for match in WORD.finditer(line):
            if match.group(0).lower() in ENGLISH_WORDS:
                start, end = max(0, match.start() - 40), min(len(line), match.end() + 40)
                snippet = f"«{match.group(0)}» in …{' '.join(line[start:end].split())}…"
                if snippet not in snippets:
                    snippets.append(snippet)
    return snippets


@dataclass
class Walk:
    """One person's walk: the English found on each page visited."""

    page: Any
    data: tuple[str, ...]
    found: dict[str, list[str]]
    visited: list[str]

    def check(self, label: str = "") -> None:
        """Collect the current page's English (after its scripts and charts have settled)."""
        self.page.wait_for_load_state("networkidle")
        seen = self.page.evaluate(COLLECT, SKIPPED)
        where = self.page.url.removeprefix(self.page.base) + (f" ({label})" if label else "")
        assert seen["lang"] == "pl", f"{where}: <html lang={seen['lang']!r}>, not Polish"
        self.visited.append(where)
        text = "\n".join([f"<title>{seen['title']}</title>", seen["shown"], seen["more"]])
        parameters = parse_qs(urlsplit(self.page.url).query).keys()
        snippets = english_in(text, self.data, parameters)
        if snippets:
            self.found[where] = snippets

    def visit(self, path: str, label: str = "", *, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == status, f"{path}: {response}"
        self.check(label)


def report(found: dict[str, list[str]]) -> str:
    lines = [f"English on {len(found)} page(s) a Polish-speaking person sees:"]
    for where, snippets in found.items():
        lines.append(f"  {where}")
        lines.extend(f"      {s}" for s in snippets)
    return "\n".join(lines)


# --- the detector itself ---------------------------------------------------------------------


def test_the_detector_finds_english_words_and_passes_polish() -> None:
    polish = (
        "Klienci · Partner Hub\nŁączna liczba klientów: 12\nWebex Calling · CSV · e-mail\n"
        "To pole jest wymagane. Zmień status. Data dodania"
    )
    assert english_in(polish) == []
    found = english_in("Klienci\nShow all customers with a Webex Calling trial\nZapisz")
    assert [s.split("»")[0] for s in found] == ["«Show", "«all", "«customers", "«with", "«trial"]
    assert "Show all customers" in found[0]
    # Query tokens and e-mail addresses are machine text; an English label before a colon is not.
    assert english_in("Filtr: status:expiring_soon tag:gold, anna@firma.example") == []
    assert [s.split("»")[0] for s in english_in("Days: 12")] == ["«Days"]
    # A random identifier is machine text, whatever words its letters spell.
    assert english_in("Zaznacz alert alr_kxtxesbq22z1at82tev2") == []
    assert [s.split("»")[0] for s in english_in("Zaznacz alert alr_x1 at")] == ["«at"]
    # The address's own parameter named in a message about its value.
    assert english_in("week: wybierz tydzień", parameters=["week"]) == []
    assert english_in("week: wybierz tydzień") != []
    # Data values (a customer's English name) and allowed names never count.
    assert english_in("Klient: The Trial Company", data=["The Trial Company"]) == []
    assert [s.split("»")[0] for s in english_in("@alt= Webex Meetings\n@title= Cancel")] == [
        "«Cancel"
    ]


# --- the journey -------------------------------------------------------------------------------

D = dt.date(2026, 11, 26)


def _day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    """A small Polish partner: customers in several statuses, subscriptions, a trial, tags, a saved
    filter, calls of last week, a helpdesk case with a reply, the guide and curated resources."""
    from partnerhub.customers.models import CustomerUser
    from partnerhub.customers.services import saved_filter_create
    from partnerhub.resources.services import resources_load_curated, resources_sync_guide
    from partnerhub.subscriptions.models import Item
    from partnerhub.tags.services import tag_assign
    from tests.calling_factories import in_w0, make_calls
    from tests.customers_factories import InvoiceFactory, OrderFactory, assign, login_on
    from tests.factories import CustomerFactory, ItemFactory, PartnerFactory, UserFactory
    from tests.helpdesk_factories import CaseFactory, CommentFactory, HelpdeskUserFactory

    partner = PartnerFactory(name="Hurtownia Północ")
    admin = UserFactory(
        partner=partner,
        role=Role.PARTNER_FULL_ADMIN,
        name="Anna Nowak",
        email="anna@polnoc.example",
        language="pl",
    )
    reader = UserFactory(
        partner=partner,
        role=Role.PARTNER_READONLY_ADMIN,
        name="Piotr Zieliński",
        email="piotr@polnoc.example",
        language="pl",
    )
    nobody = UserFactory(
        partner=partner,
        role=Role.USER,
        name="Jan Wiśniewski",
        email="jan@polnoc.example",
        language="pl",
    )
    agent = HelpdeskUserFactory(name="Ewa Kowalczyk", email="ewa@pomoc.example", language="pl")

    names = {
        "C1": "Kwiaciarnia Róża",  # expiring soon, calls last week, a tag, a case
        "C2": "Piekarnia Mąka",  # auto-renewing: renewal approaching
        "C3": "Stocznia Bałtyk",  # a trial in force
        "C4": "Młyn Wodny",  # expired
        "C5": "Kuźnia Stal",  # more licenses assigned than bought
        "C6": "Tartak Sosna",  # no subscription at all
    }
    customers: dict[str, Any] = {
        ext: CustomerFactory(partner=partner, ext_id=ext, name=name) for ext, name in names.items()
    }
    rose = ItemFactory(
        customer=customers["C1"],
        ext_id="Sub-101",
        start=_day(-300),
        end=_day(12),
        lines={"calling": 10, "meetings": 5},
    )
    assign(rose, 4)
    ItemFactory(
        customer=customers["C2"],
        ext_id="Sub-102",
        start=_day(-300),
        end=_day(40),
        auto_renew=True,
        lines={"meetings": 5},
    )
    ItemFactory(
        customer=customers["C3"],
        ext_id="Trial-103",
        is_trial=True,
        start=_day(-10),
        end=_day(20),
        lines={"calling": 5},
    )
    ItemFactory(
        customer=customers["C4"],
        ext_id="Sub-104",
        start=_day(-400),
        end=_day(-20),
        state="expired",
        lines={"messaging": 20},
    )
    steel = ItemFactory(
        customer=customers["C5"],
        ext_id="Sub-105",
        start=_day(-200),
        end=_day(200),
        lines={"calling": 2},
    )
    assign(steel, 4)
    # Bought and waiting for its set-up: "ready to set up order".
    ItemFactory(
        customer=customers["C2"],
        ext_id="Sub-106",
        start=_day(5),
        end=_day(370),
        state="provisioning",
        lines={"calling": 3},
    )
    OrderFactory(item=rose, ext_id="ZAM-1")
    invoice = InvoiceFactory(item=rose, ext_id="FV-1")
    for ext in ("C1", "C2", "C3", "C5"):
        login_on(customers[ext], -2)
    make_calls(customers["C1"], 6, start=in_w0())

    tag_assign(actor=admin, customer=customers["C1"], name="ważny")
    tag_assign(actor=admin, customer=customers["C5"], name="ważny")
    saved_filter_create(actor=admin, name="Do obserwacji", query="status:expiring_soon")
    case = CaseFactory(
        partner=partner,
        opened_by=admin,
        customer=customers["C1"],
        subject="Zrywane połączenia",
        description="Połączenia zrywają się po 30 sekundach.",
    )
    CommentFactory(case=case, author=agent, by_helpdesk=True, body="Sprawdzamy to.")
    resources_sync_guide()
    resources_load_curated()
    data = (
        *names.values(),
        # what the factories named: the customers' users and the subscriptions' ids
        *CustomerUser.objects.values_list("name", flat=True),
        *Item.objects.values_list("ext_id", flat=True),
        partner.name,
        *(p.name for p in (admin, reader, nobody, agent)),
        "ważny",
        "Do obserwacji",
        case.subject,
        case.description,
        "Sprawdzamy to.",
    )
    return {
        "admin": admin,
        "reader": reader,
        "nobody": nobody,
        "agent": agent,
        "case": case,
        "invoice": invoice,
        "data": data,
    }


def _sign_in(page: Any, user: Any) -> None:
    """Sign in on the Polish sign-in page (the browser asks for Polish, as the person would)."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".form-footer button[type=submit]").click()
    page.wait_for_load_state("networkidle")


@pytest.fixture
def polish_page(_browser: Any, live_server: Any) -> Any:
    context = _browser.new_context(
        base_url=live_server.url, locale="pl-PL", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


@pytest.mark.browser
def test_a_polish_person_sees_no_english_on_any_page(
    polish_page: Any, world: dict[str, Any]
) -> None:
    from partnerhub.calling.services import refresh_analytics

    page = polish_page
    found: dict[str, list[str]] = {}
    visited: list[str] = []
    walk = Walk(page, world["data"], found, visited)
    case = world["case"].number

    # The sign-in page, then the partner full administrator's every page.
    page.goto("/accounts/login/")
    walk.check("sign-in")
    page.locator("#id_username").fill(world["admin"].email)
    page.locator("#id_password").fill("nie-to-hasło")
    page.locator(".form-footer button[type=submit]").click()
    walk.check("a wrong password")
    walk.visit("/accounts/password/reset/")
    page.locator("main form input[type=email]").fill(world["admin"].email)
    page.locator("main form button[type=submit]").click()
    walk.check("reset asked for")
    _sign_in(page, world["admin"])
    walk.check("landing")
    nav = page.locator("aside a.nav-link").evaluate_all("links => links.map(a => a.pathname)")
    assert len(nav) >= 9, nav
    # Calling analytics before its first refresh (the empty state), then after.
    walk.visit("/analytics/calling/", "not refreshed yet")
    refresh_analytics(as_of=D)
    for path in nav:
        walk.visit(path)
    walk.visit("/customers/?q=status%3Aexpiring_soon", "a query")
    walk.visit("/customers/?q=tag%3Aw%C4%85%C5%BCny+product%3Acalling", "a tag and a product")
    walk.visit("/customers/?q=nikt+taki", "nothing matches")
    page.get_by_test_id("saved-filters").click()
    walk.check("saved filters open")
    page.goto("/customers/")
    page.locator("[aria-controls=filter-panel-card]").click()
    walk.check("filter panel open")
    # Messages the list answers with: a query it cannot read, a bad date, a name taken twice.
    walk.visit("/customers/?q=status%3Anieznany", "an unknown status")
    walk.visit("/customers/?as_of=wczoraj", "a bad as-of date")
    page.get_by_test_id("saved-filters").click()
    page.locator("#save-filter-name").fill("Do obserwacji")
    page.locator("button[form=save-filter]").click()
    walk.check("a saved filter's name taken twice")
    page.get_by_test_id("export-csv").evaluate("a => a.click()")
    walk.check("an export asked for")
    for tab in ("overview", "subscriptions", "trials", "admins", "activity"):
        walk.visit(f"/customers/C1/?tab={tab}")
    walk.visit("/customers/C2/?tab=subscriptions", "ready to set up")
    walk.visit("/customers/C3/?tab=trials", "a trial")
    walk.visit("/customers/C4/", "expired")
    walk.visit("/customers/C5/", "over the license limit")
    walk.visit("/customers/C6/", "no subscription")
    walk.visit(f"/customers/C1/invoices/{world['invoice'].pk}/")
    walk.visit(f"/customers/C1/invoices/{world['invoice'].pk}/print/")
    walk.visit("/subscriptions/Sub-106/setup/")
    walk.visit("/trials/start/")
    walk.visit("/trials/Trial-103/")
    # Launch my organization: its wizard sent without the terms accepted.
    walk.visit("/org/my/")
    page.get_by_test_id("wizard-next").click()
    walk.check("the wizard's terms")
    page.locator("[data-testid=wizard-terms] button[type=submit]").click()
    walk.check("the wizard without the terms")
    walk.visit("/org/my/people/")
    walk.visit("/org/my/services/")
    walk.visit("/org/customers/C1/")
    walk.visit("/org/customers/C1/users/")
    walk.visit("/org/customers/C1/licenses/Sub-101/calling/")
    walk.visit("/analytics/subscriptions/?product=calling", "Calling")
    walk.visit("/analytics/subscriptions/?as_of=jutro", "a bad as-of date", status=400)
    walk.visit("/analytics/calling/?week=2020-01-05", "a week out of range")
    walk.visit("/helpdesk/?status=closed", "no closed case")
    walk.visit("/accounts/users/invite/")
    walk.visit(f"/accounts/users/{world['reader'].pk}/", "Roles and security")
    # Left out: the API reference the user menu links to (/api/v1/docs) is generated from the
    # API's English schema for developers, like the API's own field names.
    walk.visit("/accounts/tokens/")
    walk.visit("/accounts/password/change/")
    # Two-step sign-in: the partner's requirement, and allauth's pages in its own Polish.
    walk.visit("/security/settings/")
    walk.visit("/security/two-step/")
    walk.visit("/security/two-step/totp/activate/", "the QR code and the secret")
    walk.visit("/resources/?q=licencja", "a search")
    walk.visit("/resources/guide/tags/")
    walk.visit(f"/helpdesk/cases/{case}/")
    walk.visit("/helpdesk/new/")
    # A form sent with its fields empty: the validation messages.
    page.locator("[data-testid=case-form] button[type=submit]").click()
    walk.check("case form with errors")
    page.goto("/accounts/password/change/")
    page.locator("#id_old_password").fill("nie-to-hasło")
    page.locator("#id_new_password1").fill("krótkie")
    page.locator("#id_new_password2").fill("inne")
    page.locator("main form button[type=submit]").click()
    walk.check("password change with errors")
    walk.visit("/customers/NIE-MA/", "not found", status=404)
    # The language switch in the user menu: it names "English" in English (lang="en").
    page.goto("/customers/")
    page.locator("[data-bs-toggle=dropdown][aria-label]").first.click()
    walk.check("user menu open")
    page.get_by_test_id("language-switcher").locator("button[lang=pl]").click()
    walk.check("after choosing Polski")

    # The partner read-only administrator: the same pages without the buttons that change things.
    page.context.clear_cookies()
    _sign_in(page, world["reader"])
    for path in ["/customers/", "/customers/C1/", "/tags/", "/accounts/users/", "/helpdesk/"]:
        walk.visit(path, "read-only")
    walk.visit(f"/accounts/users/{world['admin'].pk}/", "read-only")
    walk.visit("/accounts/users/invite/", "read-only: not allowed", status=403)

    # A person of the partner without an administrator role: the page that says who can help.
    page.context.clear_cookies()
    _sign_in(page, world["nobody"])
    walk.check("no role")

    # The Partner Helpdesk team: its queue and the case from its side.
    page.context.clear_cookies()
    _sign_in(page, world["agent"])
    walk.visit("/helpdesk/queue/", "helpdesk team")
    walk.visit(f"/helpdesk/cases/{case}/", "helpdesk team")

    assert len(visited) > 40, visited
    assert not found, report(found)
