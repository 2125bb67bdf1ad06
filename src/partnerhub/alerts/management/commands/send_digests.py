"""`partnerhub send_digests [--as-of D]`: e-mail the digests of alerts that are due."""

from __future__ import annotations

from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.alerts.digests import send_digests
from partnerhub.core import clock
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "E-mail the alert digests due (daily ones, and weekly ones on Mondays); at most one "
            "per person and period."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help=cast(str, gettext_lazy("the as-of date YYYY-MM-DD (default: today)")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = clock.parse_date(options["as_of"]) if options["as_of"] else clock.today()
        except clock.AsOfError as exc:
            raise CommandError(_("--as-of: %(reason)s") % {"reason": exc}) from exc
        result = send_digests(as_of=as_of)
        self.stdout.write(
            _(
                "Digests as of %(as_of)s: %(sent)s sent, %(empty)s with nothing to say, "
                "%(already)s already sent for this period."
            )
            % {
                "as_of": as_of,
                "sent": result.sent,
                "empty": result.empty,
                "already": result.already,
            }
        )
