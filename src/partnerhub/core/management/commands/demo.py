"""`partnerhub demo`: migrate, generate + load the demo dataset once, refresh analytics, serve."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from partnerhub.accounts.models import Partner, User
from partnerhub.core import clock
from partnerhub.core.choices import Role

DEMO_PASSWORD = "partnerhub-demo"  # printed for the demo only; real people set their own
HELPDESK_EMAIL = "helpdesk@partnerhub.example"


class Command(BaseCommand):
    help = "Start the demo: migrate, load realistic demo data (once), refresh analytics and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=250)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if Partner.objects.exists():
            self.stdout.write("Demo data already loaded: starting on the existing data.")
        else:
            self._load(options["customers"], options["seed"], clock.today())
        self._print_sign_in()
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s.")
        if not options["no_serve"]:
            self.stdout.write(self.style.SUCCESS(f"Open http://127.0.0.1:{options['port']}/"))
        if not options["no_serve"]:
            call_command("serve", port=options["port"], host="127.0.0.1")

    def _load(self, customers: int, seed: int, as_of: dt.date) -> None:
        from partnerhub.ingest.generator import generate

        path = Path(settings.DATA_DIR) / f"demo-{customers}-{seed}-{as_of}.jsonl.gz"
        self.stdout.write(f"Generating a demo dataset of {customers} customers as of {as_of} …")
        import gzip

        with gzip.open(path, "wb", compresslevel=1) as out:
            generate(
                cast(BinaryIO, out), customers=customers, seed=seed, as_of=as_of, progress=True
            )
        self.stdout.write(f"Loading {path.name} …")
        call_command("load", str(path))
        commands = get_commands()
        if "sync_guide" in commands:
            call_command("sync_guide", verbosity=0)
        if "refresh_analytics" in commands:
            self.stdout.write("Refreshing the calling analytics …")
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

    def _print_sign_in(self) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in with one of these people:"))
        partner = Partner.objects.order_by("id").first()
        for role in Role:
            person = (
                User.objects.filter(partner=partner, role=role, is_active=True)
                .order_by("email")
                .first()
            )
            if person:
                self.stdout.write(f"  {role.label:<34} {person.email}")
        if User.objects.filter(email=HELPDESK_EMAIL).exists():
            self.stdout.write(f"  {'Partner Helpdesk team':<34} {HELPDESK_EMAIL}")
        self.stdout.write(f"  Password for all of them: {DEMO_PASSWORD}")
        self.stdout.write("")
