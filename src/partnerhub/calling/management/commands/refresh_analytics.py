"""`partnerhub refresh_analytics [--as-of D]`: weekly calling rollups (docs/reference/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.calling.models import CustomerWeek
from partnerhub.calling.services import WEEK, refresh_analytics, refresh_weeks
from partnerhub.core import clock
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Compute and store the calling analytics rollups of the last 8 completed weeks."
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
        refresh = refresh_analytics(as_of=as_of)
        weeks = refresh_weeks(refresh.week_start)
        last_day = weeks[-1] + WEEK - dt.timedelta(days=1)
        customer_weeks = CustomerWeek.objects.filter(refresh=refresh).count()
        counted = ngettext("%(n)s customer-week", "%(n)s customer-weeks", customer_weeks) % {
            "n": customer_weeks
        }
        self.stdout.write(
            _(
                "Refreshed calling analytics as of %(as_of)s: weeks %(first)s … %(last)s "
                "(last completed week %(week)s … %(last)s), %(customer_weeks)s, "
                "in %(seconds)s s."
            )
            % {
                "as_of": as_of,
                "first": weeks[0],
                "last": last_day,
                "week": weeks[-1],
                "customer_weeks": counted,
                "seconds": f"{refresh.duration_ms / 1000:.2f}",
            }
        )
        # the steps are named as the refresh's timings name them (docs/reference/api.md)
        steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in refresh.timings.items())
        self.stdout.write(_("Steps: %(steps)s.") % {"steps": steps})
