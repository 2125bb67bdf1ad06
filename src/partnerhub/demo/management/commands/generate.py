"""`partnerhub generate [--customers N] [--seed S] [--as-of D] -o FILE`: write a demo dataset."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.core import clock
from partnerhub.core.language import LocalizedCommand
from partnerhub.demo.generator import generate


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("--as-of: expected a date as YYYY-MM-DD, got %(value)s") % {"value": repr(value)}
        ) from exc


def _plain(text: str) -> str:
    return text


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Write a realistic demo dataset in the format of docs/reference/dataset.md. The same "
            "--customers, --seed and --as-of always give the same file. FILE may end in .gz; "
            "- writes to standard output."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=250, metavar="N")
        parser.add_argument("--seed", type=int, default=1, metavar="S")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default=None,
            metavar="YYYY-MM-DD",
            help=cast(
                str,
                gettext_lazy(
                    "the date D the data is relative to (default: today, PARTNERHUB_TODAY)"
                ),
            ),
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help=cast(str, gettext_lazy("no progress bar even on a terminal")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        customers: int = options["customers"]
        if customers < 0:
            raise CommandError(_("--customers must be 0 or more"))
        as_of = _date(options["as_of"]) if options["as_of"] else clock.today()
        output: str = options["output"]
        started = time.monotonic()
        try:
            counts = generate(
                output,
                customers=customers,
                seed=options["seed"],
                as_of=as_of,
                progress=not options["no_progress"],
            )
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror or exc}") from exc
        seconds = time.monotonic() - started
        summary = ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
        # to stderr: with -o - the data itself goes to standard output
        lines = sum(counts.values())
        self.stderr.write(
            ngettext(
                "Wrote %(n)s line as of %(as_of)s in %(seconds)s s to %(output)s: %(summary)s",
                "Wrote %(n)s lines as of %(as_of)s in %(seconds)s s to %(output)s: %(summary)s",
                lines,
            )
            % {
                "n": f"{lines:,}",
                "as_of": as_of.isoformat(),
                "seconds": f"{seconds:.1f}",
                "output": output,
                "summary": summary,
            },
            style_func=_plain,
        )
