"""`partnerhub build_snapshot [--as-of D]`: store the subscriptions analytics' days of D."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerhub.analytics.models import LineDay, SnapshotDay
from partnerhub.analytics.services import snapshot_build, snapshot_days
from partnerhub.core import clock


class Command(BaseCommand):
    help = (
        "Build the stored snapshot the subscriptions analytics read as of a date: the days "
        "D, D-7, … D-77 (those already stored are brought up to date, not rebuilt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", dest="as_of", help="the as-of date YYYY-MM-DD (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = clock.parse_date(options["as_of"]) if options["as_of"] else clock.today()
        except clock.AsOfError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        result = snapshot_build(as_of=as_of)
        days = snapshot_days(as_of)
        rows = LineDay.objects.filter(day__in=days).count()
        built = ", ".join(d.isoformat() for d in sorted(result.built)) or "none"
        self.stdout.write(
            f"Subscriptions analytics snapshot as of {as_of}: {len(days)} days "
            f"({days[-1]} … {days[0]}), {rows} line-days; built {built} "
            f"in {result.seconds:.2f} s. Days stored: {SnapshotDay.objects.count()}."
        )
