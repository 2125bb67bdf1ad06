"""`partnerhub demo`: migrate, generate + load the demo dataset once, refresh analytics, serve."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Partner, User
from partnerhub.core import clock
from partnerhub.core.choices import Role
from partnerhub.core.language import LocalizedCommand, grouped
from partnerhub.customers.models import CustomerManager, ExternalAdmin
from partnerhub.demo.generator import generate

DEMO_PASSWORD = "partnerhub-demo"  # printed for the demo only; real people set their own
HELPDESK_EMAIL = "helpdesk@partnerhub.example"
# One person per role reads Partner Hub in Polish (README, "Languages"): a colleague of the
# dataset's person of that role in the first partner, seeing the same customers. The others keep
# no choice, so their browser's language decides until they pick one.
POLISH_PEOPLE: dict[str, tuple[str, str]] = {
    Role.PARTNER_FULL_ADMIN: ("katarzyna.zielinska@northwind.example", "Katarzyna Zielińska"),
    Role.SALES_FULL_ADMIN: ("piotr.lewandowski@northwind.example", "Piotr Lewandowski"),
    Role.SALES_ADMIN: ("magdalena.szymanska@northwind.example", "Magdalena Szymańska"),
    Role.PARTNER_READONLY_ADMIN: ("krzysztof.wozniak@northwind.example", "Krzysztof Woźniak"),
    Role.USER: ("agnieszka.kaminska@northwind.example", "Agnieszka Kamińska"),
}
POLISH_HELPDESK = ("zofia.wisniewska@partnerhub.example", "Zofia Wiśniewska")
POLISH = "pl"


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Start the demo: migrate, load realistic demo data (once), refresh analytics and serve."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=250)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help=cast(str, gettext_lazy("prepare the data and exit")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if Partner.objects.exists():
            self.stdout.write(_("Demo data already loaded: starting on the existing data."))
        else:
            self._load(options["customers"], options["seed"], clock.today())
        self._polish_people()
        self._print_sign_in()
        self.stdout.write(
            _("Ready in %(seconds)s s.") % {"seconds": grouped(time.monotonic() - started, 1)}
        )
        if not options["no_serve"]:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Open %(url)s") % {"url": f"http://127.0.0.1:{options['port']}/"}
                )
            )
        if not options["no_serve"]:
            call_command("serve", port=options["port"], host="127.0.0.1")

    def _load(self, customers: int, seed: int, as_of: dt.date) -> None:
        path = Path(settings.DATA_DIR) / f"demo-{customers}-{seed}-{as_of}.jsonl.gz"
        self.stdout.write(
            _("Generating a demo dataset of %(customers)s customers as of %(as_of)s …")
            % {"customers": grouped(customers), "as_of": as_of.isoformat()}
        )
        import gzip

        with gzip.open(path, "wb", compresslevel=1) as out:
            generate(
                cast(BinaryIO, out), customers=customers, seed=seed, as_of=as_of, progress=True
            )
        self.stdout.write(_("Loading %(file)s …") % {"file": path.name})
        call_command("load", str(path))
        commands = get_commands()
        if "sync_guide" in commands:
            call_command("sync_guide", verbosity=0)
        if "refresh_analytics" in commands:
            self.stdout.write(_("Refreshing the calling analytics …"))
            call_command("refresh_analytics", as_of=as_of.isoformat())
        with transaction.atomic():
            for user in User.objects.filter(partner__isnull=False):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            helpdesk, _created = User.objects.get_or_create(
                email=HELPDESK_EMAIL, defaults={"name": "Partner Helpdesk", "is_helpdesk": True}
            )
            helpdesk.set_password(DEMO_PASSWORD)
            helpdesk.save()

    def _polish_people(self) -> None:
        """Add the Polish-speaking person of each role (once), with the scope of the dataset's
        person of that role: the customers they manage and those they administer externally."""
        partner = Partner.objects.order_by("id").first()
        if partner is None:
            return
        with transaction.atomic():
            for role, (email, name) in POLISH_PEOPLE.items():
                model = (
                    User.objects.filter(partner=partner, role=role, is_active=True)
                    .exclude(email=email)
                    .order_by("email")
                    .first()
                )
                person, created = User.objects.get_or_create(
                    email=email,
                    defaults={"name": name, "partner": partner, "role": role, "language": POLISH},
                )
                if not created:
                    continue
                person.set_password(DEMO_PASSWORD)
                person.save(update_fields=["password"])
                if model is not None:
                    CustomerManager.objects.bulk_create(
                        CustomerManager(customer_id=c, user=person)
                        for c in CustomerManager.objects.filter(user=model).values_list(
                            "customer_id", flat=True
                        )
                    )
                    ExternalAdmin.objects.bulk_create(
                        ExternalAdmin(customer_id=c, user=person)
                        for c in ExternalAdmin.objects.filter(user=model).values_list(
                            "customer_id", flat=True
                        )
                    )
            if User.objects.filter(email=HELPDESK_EMAIL).exists():
                email, name = POLISH_HELPDESK
                helpdesk, created = User.objects.get_or_create(
                    email=email, defaults={"name": name, "is_helpdesk": True, "language": POLISH}
                )
                if created:
                    helpdesk.set_password(DEMO_PASSWORD)
                    helpdesk.save(update_fields=["password"])

    def _print_sign_in(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Sign in with one of these people:")))
        partner = Partner.objects.order_by("id").first()
        polish_label = _("reads Partner Hub in Polish")
        for role in Role:
            people = User.objects.filter(partner=partner, role=role, is_active=True)
            polish_email = POLISH_PEOPLE[role][0]
            person = people.exclude(email=polish_email).order_by("email").first()
            polish = people.filter(email=polish_email, language=POLISH).first()
            label = str(role.label)
            if person:
                self.stdout.write(f"  {label:<34} {person.email}")
                label = ""
            if polish:
                self.stdout.write(f"  {label:<34} {polish.email:<40} {polish_label}")
        helpdesk_label = _("Partner Helpdesk team")
        if User.objects.filter(email=HELPDESK_EMAIL).exists():
            self.stdout.write(f"  {helpdesk_label:<34} {HELPDESK_EMAIL}")
            helpdesk_label = ""
        if User.objects.filter(email=POLISH_HELPDESK[0], language=POLISH).exists():
            self.stdout.write(f"  {helpdesk_label:<34} {POLISH_HELPDESK[0]:<40} {polish_label}")
        self.stdout.write(
            "  " + _("Password for all of them: %(password)s") % {"password": DEMO_PASSWORD}
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Languages: English and Polish.")))
        for line in (
            _(
                "Before signing in, the browser's language decides; the links under the "
                "sign-in form switch it."
            ),
            _(
                "Signed in, open the user menu (your name, top right) and pick a language "
                "under Language."
            ),
            _(
                "The choice is kept on the person's profile: their pages and e-mails use it "
                "from then on. The people marked above read Partner Hub in Polish; the others "
                "see their browser's language until they choose."
            ),
        ):
            self.stdout.write("  " + line)
        self.stdout.write("")
