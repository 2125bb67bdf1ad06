"""`partnerhub evaluate_alerts [--as-of D]`: open and resolve alerts (docs/reference/events.md)."""

from __future__ import annotations

import time
from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.alerts.services import alerts_evaluate
from partnerhub.core import clock
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Evaluate every partner's alert rules: open the alerts whose condition holds and "
            "resolve those whose condition no longer does."
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
        started = time.perf_counter()
        result = alerts_evaluate(as_of=as_of)
        self.stdout.write(
            _(
                "Evaluated the alerts of %(partners)s partners as of %(as_of)s: %(opened)s "
                "opened, %(resolved)s resolved, %(kept)s still open, in %(seconds)s s."
            )
            % {
                "partners": result.partners,
                "as_of": as_of,
                "opened": result.opened,
                "resolved": result.resolved,
                "kept": result.kept,
                "seconds": f"{time.perf_counter() - started:.2f}",
            }
        )
