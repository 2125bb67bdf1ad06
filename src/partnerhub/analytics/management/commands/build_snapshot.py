"""`partnerhub build_snapshot [--as-of D]`: store the subscriptions analytics' days of D."""

from __future__ import annotations

from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.analytics.models import LineDay, SnapshotDay
from partnerhub.analytics.services import snapshot_build, snapshot_days
from partnerhub.core import clock
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Build the stored snapshot the subscriptions analytics read as of a date: the days "
            "D, D-7, … D-77 (those already stored are brought up to date, not rebuilt)."
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
        result = snapshot_build(as_of=as_of)
        days = snapshot_days(as_of)
        rows = LineDay.objects.filter(day__in=days).count()
        built = ", ".join(d.isoformat() for d in sorted(result.built)) or _("none")
        heading = _("Subscriptions analytics snapshot as of %(as_of)s:") % {"as_of": as_of}
        span = ngettext(
            "%(n)s day (%(first)s … %(last)s)", "%(n)s days (%(first)s … %(last)s)", len(days)
        ) % {"n": len(days), "first": days[-1], "last": days[0]}
        line_days = ngettext("%(n)s line-day", "%(n)s line-days", rows) % {"n": rows}
        timing = _("built %(days)s in %(seconds)s s.") % {
            "days": built,
            "seconds": f"{result.seconds:.2f}",
        }
        stored = _("Days stored: %(n)s.") % {"n": SnapshotDay.objects.count()}
        self.stdout.write(f"{heading} {span}, {line_days}; {timing} {stored}")
